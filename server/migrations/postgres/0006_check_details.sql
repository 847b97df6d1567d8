-- The field screens' check details: how it was done, what was seen, and (when the user asked
-- for it) where the device was. All optional: older clients' checks have none of them.
ALTER TABLE checks ADD COLUMN method TEXT CHECK (method IN ('visit', 'phone', 'greeting', 'outside'));
-- Concern codes, comma-separated in chip order (app::domain::Concern::join).
ALTER TABLE checks ADD COLUMN concerns TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE checks ADD COLUMN lng DOUBLE PRECISION;
ALTER TABLE checks ADD COLUMN location_accuracy_m DOUBLE PRECISION;
