-- The contacts screen orders 50,000 contacts by any of its columns and reads a page anywhere in
-- them (the table loads blocks of 200 as it scrolls). Without an index on the column, SQLite
-- sorts every matching row for each block: 80-140 ms per block by class, grade or creation time,
-- measured with 50,000 contacts (store::contacts::query's scale test). Each index is
-- (column, rowid), exactly the `ORDER BY column, id` the list uses, so a block is an index walk;
-- the same indexes make the filter dropdowns' counts (GROUP BY) index scans.
CREATE INDEX contacts_class_name ON contacts(class_name);
CREATE INDEX contacts_grade ON contacts(grade);
CREATE INDEX contacts_created ON contacts(created_at);
