-- Tasks can be withdrawn; a cancelled task is neither late nor on time.
ALTER TABLE tasks ADD COLUMN cancelled_on DATE;
