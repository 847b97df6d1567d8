-- Failed sign-ins per login (known or not, so a lockout reveals nothing about who exists).
CREATE TABLE sign_in_failures (
    login TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT
);
