-- Seal registry (GB/T 38540 seals made by this region) and its history.
CREATE TABLE seals (
    id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    seal_type TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    valid_start BIGINT NOT NULL,
    valid_end BIGINT NOT NULL,
    signer_serials TEXT NOT NULL,
    der BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX seals_holder ON seals (holder);

CREATE TABLE seal_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seal_id TEXT NOT NULL REFERENCES seals(id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    status TEXT NOT NULL
);
