-- The project window of an intake batch: the dates a project's implementation period and its
-- invoices must fall within to be submitted to the batch (a 2026 batch does not take a project
-- of 2010). Existing batches get the defaults new batches get when none is typed: from the
-- first day of the year before the programme year, until the batch closes for post-completion
-- subsidies (the project is finished when it applies) or the end of the second year after.
ALTER TABLE project_batches ADD COLUMN projects_from TEXT NOT NULL DEFAULT '';
ALTER TABLE project_batches ADD COLUMN projects_until TEXT NOT NULL DEFAULT '';
UPDATE project_batches SET
    projects_from = CAST(year - 1 AS TEXT) || '-01-01',
    projects_until = CASE WHEN programme = 'post_completion' THEN closes_on
                          ELSE CAST(year + 2 AS TEXT) || '-12-31' END;
