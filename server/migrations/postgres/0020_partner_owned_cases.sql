-- A case may be carried by a partner organisation (社会福祉法人 and others) instead of a user: one
-- a request of the case was referred to. Referring a request whose case has no owner makes the
-- organisation its owner; the office may hand the case to it, or take it back, like any owner.
-- At most one of owner_id and owner_org_id is set (the server writes both in one statement).
ALTER TABLE cases ADD COLUMN owner_org_id TEXT REFERENCES organizations(id);
-- The timeline names the organisation an update handed the case to.
ALTER TABLE case_events ADD COLUMN owner_org_id TEXT;
