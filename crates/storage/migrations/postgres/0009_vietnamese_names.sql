-- Vietnamese names become the required ones and English names optional. The English columns
-- stay NOT NULL and hold '' for "no English name" (changing a column's nullability would mean
-- rebuilding referenced tables on SQLite); rows written before now get their Vietnamese name
-- from the English one where they had none.
UPDATE documents SET title_vi = title_en WHERE title_vi IS NULL OR title_vi = '';
UPDATE targets SET name_vi = name_en WHERE name_vi IS NULL OR name_vi = '';
UPDATE tasks SET title_vi = title_en WHERE title_vi IS NULL OR title_vi = '';

-- A published plan's own words for a task's agencies and deadline, kept beside the units and
-- the day read from them.
ALTER TABLE tasks ADD COLUMN lead_as_given TEXT;
ALTER TABLE tasks ADD COLUMN coordinators_as_given TEXT;
ALTER TABLE tasks ADD COLUMN deadline_as_given TEXT;
