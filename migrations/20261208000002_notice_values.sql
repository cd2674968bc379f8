-- A notice may carry values given once for everyone (`考试时间` → `12月20日 9:00`), used by its
-- templates like a contact's variables: a JSON object of names to strings. `values` is an SQL
-- keyword, hence `template_values`. Earlier notices have none.
ALTER TABLE notices ADD COLUMN template_values TEXT NOT NULL DEFAULT '{}';
