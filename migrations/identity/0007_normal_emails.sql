-- migrate:up
-- An e-mail address has one form, and is stored and compared in it (`email = $1`): the
-- service normalises every address it stores, looks up or throttles by with one function,
-- services/identity/domain.py normal_email (NFKC, lower-cased by Unicode's full mapping, NFKC
-- again, trimmed). Comparing lower() on both sides let PostgreSQL's lower-casing match an
-- account that Python's counted as another address: `VİEW@…` (U+0130) had a throttle
-- allowance of its own, yet logged into `view@…`.
--
-- identity.normal_email is that rule in SQL, to rewrite the rows stored before; PostgreSQL
-- 18's pg_unicode_fast collation lower-cases by Unicode's full mapping, as Python does, and a
-- test holds the two equal on every code point Python knows. The service never calls it:
-- the database only compares. (btrim's characters: the white space NFKC leaves standing.)
CREATE FUNCTION identity.normal_email(raw text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN btrim(normalize(lower(normalize(raw, NFKC) COLLATE pg_unicode_fast), NFKC),
             E' \t\n\x0b\f\r\x1c\x1d\x1e\x1f\u0085\u1680\u2028\u2029');

-- Accounts whose addresses are one once normalised (`ＶＩＥＷ@…` beside `view@…`) are not merged
-- silently, nor one of them left unreachable: the migration stops and names them, and an
-- operator merges each group (memberships, sessions) before migrating again.
DO $$
DECLARE
  clashes text;
BEGIN
  SELECT string_agg(format('%s: %s', normal, ids), '; ') INTO clashes
  FROM (SELECT identity.normal_email(email) AS normal, string_agg(id::text, ', ' ORDER BY created_at) AS ids
        FROM identity.accounts GROUP BY 1 HAVING count(*) > 1) AS same_address;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'accounts whose e-mail addresses are one address once normalised: %', clashes
      USING HINT = 'merge each group into one account, then migrate again';
  END IF;
END
$$;

DROP INDEX identity.accounts_email_key;
UPDATE identity.accounts SET email = identity.normal_email(email) WHERE email <> identity.normal_email(email);
-- The index the lookup uses: the normal form itself.
CREATE UNIQUE INDEX accounts_email_key ON identity.accounts (email);

-- Sign-ups and invitations waiting for their link carry the address their account will have.
UPDATE identity.signups SET email = identity.normal_email(email) WHERE email <> identity.normal_email(email);
-- Invitations are tenant rows, with row-level security forced even on their owner: lifted
-- for this one statement, inside the migration's transaction.
ALTER TABLE identity.invitations NO FORCE ROW LEVEL SECURITY;
UPDATE identity.invitations SET email = identity.normal_email(email) WHERE email <> identity.normal_email(email);
ALTER TABLE identity.invitations FORCE ROW LEVEL SECURITY;

-- migrate:down
DROP INDEX identity.accounts_email_key;
CREATE UNIQUE INDEX accounts_email_key ON identity.accounts (lower(email));
DROP FUNCTION identity.normal_email(text);
