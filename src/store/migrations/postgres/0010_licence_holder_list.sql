-- A holder's list of licences ("my licences", `LicenceRepository::held_by`) answered from one
-- index: the list's order (newest first, then identifier) as the key, the columns a list line
-- shows as INCLUDE, so PostgreSQL reads it with an index-only scan instead of one heap page
-- per licence. Replaces `licences_holder`, which `by_holder` also uses (same leading keys).
DROP INDEX licences_holder;
CREATE INDEX licences_holder_list ON licences (holder_hash, issued_at DESC, identifier)
    INCLUDE (kind, type_code, issuer_name, version, holder_name, number, valid_to, status,
             superseded_by);
