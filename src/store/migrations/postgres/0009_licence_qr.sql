-- The QR text printed on a licence's face, so that a retried issuance returns the very text
-- printed (an SM2 signature is randomized: signing the claims again gives other bytes).
-- NULL for rows written before this column (the service signs the claims anew for those).
ALTER TABLE licences ADD COLUMN qr_text TEXT;
