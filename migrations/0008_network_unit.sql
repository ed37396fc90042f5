-- How a network's stake reads to people: base units / 10^unit_decimals, followed by unit_symbol
-- (18 and 'CMT'). The defaults show base units as they are, so existing networks read as before.
ALTER TABLE networks
    ADD COLUMN unit_decimals integer NOT NULL DEFAULT 0,
    ADD COLUMN unit_symbol varchar(16) NOT NULL DEFAULT '',
    ADD CONSTRAINT ck_networks_unit_decimals CHECK (unit_decimals BETWEEN 0 AND 38);
