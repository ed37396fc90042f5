-- A drill is an incident declared for practice (and the demo): it runs like any other, but is marked DRILL
-- everywhere it shows and never counts among real incidents on the home page or in statistics.
ALTER TABLE incidents
    ADD COLUMN is_drill boolean NOT NULL DEFAULT false;
