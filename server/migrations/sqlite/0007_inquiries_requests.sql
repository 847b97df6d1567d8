-- 御用聞き visits are checks of kind 'inquiry' with the needs heard (JSON: [{"need","note"}]).
ALTER TABLE checks ADD COLUMN kind TEXT NOT NULL DEFAULT 'watch' CHECK (kind IN ('watch', 'inquiry'));
ALTER TABLE checks ADD COLUMN needs TEXT NOT NULL DEFAULT '[]';

-- Requests raised on field devices: whether the person wants a partner's help, the visit it came
-- from, and the device that sent it.
ALTER TABLE requests ADD COLUMN to_partner INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN visit_id TEXT;
ALTER TABLE requests ADD COLUMN device_id TEXT;
-- Needs were free text before the checklist; keep them as the checklist's codes.
UPDATE requests SET need = CASE need
    WHEN '除雪' THEN 'snow_removal' WHEN '買い物' THEN 'shopping' WHEN 'ごみ出し' THEN 'garbage'
    WHEN '通院' THEN 'hospital' WHEN '家事' THEN 'housework' WHEN '介護相談' THEN 'care_consultation'
    WHEN '子育て相談' THEN 'child_raising' WHEN '生活費・困窮' THEN 'living_costs' WHEN '住まい' THEN 'housing'
    ELSE 'other' END
WHERE need NOT IN ('snow_removal', 'shopping', 'garbage', 'hospital', 'housework', 'care_consultation',
    'child_raising', 'living_costs', 'housing', 'other');
CREATE INDEX requests_raised_by ON requests(raised_by);
