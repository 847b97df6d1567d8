-- 「PINを忘れた」 without losing what was not sent: each device may hold a recovery key, which its
-- phone wraps its data key under (and then forgets). The server gives it back once, to a sign-in of
-- the same user made just now, and the old device ends with it. The server alone opens nothing: the
-- wrapped data key never leaves the phone.
ALTER TABLE devices ADD COLUMN recovery_key TEXT;
