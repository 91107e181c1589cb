-- maruhi schema version 10: renewals of time stamps, after RFC 4998's archive
-- time stamps. A token expires with its TSA's certificate (about ten years);
-- a renewal is a token over the SHA-256 of the previous token of the same
-- checkpoint, taken while that one still verifies, so the chain stays
-- verifiable after the first certificate expires.
CREATE TABLE ledger_timestamp_renewals (
    size       BIGINT NOT NULL REFERENCES ledger_timestamps(size),
    seq        BIGINT NOT NULL CONSTRAINT renewal_seq_positive CHECK (seq >= 1),
    token      BYTEA NOT NULL,
    tsa        TEXT NOT NULL,
    stamped_at TEXT NOT NULL,
    PRIMARY KEY (size, seq)
);
