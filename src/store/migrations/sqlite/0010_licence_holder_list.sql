-- A holder's list of licences ("my licences", `LicenceRepository::held_by`) answered from one
-- index: the list's order (newest first, then identifier), then the columns a list line
-- shows, so SQLite uses it as a covering index. Replaces `licences_holder`.
DROP INDEX licences_holder;
CREATE INDEX licences_holder_list ON licences (holder_hash, issued_at DESC, identifier, kind,
    type_code, issuer_name, version, holder_name, number, valid_to, status, superseded_by);
