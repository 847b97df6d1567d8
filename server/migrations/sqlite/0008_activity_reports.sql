-- 活動記録: a 民生委員's monthly activity record, as submitted (the latest submission for a month
-- replaces an earlier one: a corrected record). The figures are JSON (app::domain::ActivityReport).
CREATE TABLE activity_reports (
    user_id TEXT NOT NULL REFERENCES users(id),
    month TEXT NOT NULL,
    report TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    device_id TEXT,
    PRIMARY KEY (user_id, month)
);
