-- The sandbox inbox keeps each delivery once: a send repeated after a crash (between the inbox
-- write and the outcome's) finds its message already there. Copies that earlier versions made
-- that way are removed first, keeping the first.
DELETE FROM sandbox_messages
WHERE delivery_id IS NOT NULL
  AND id NOT IN (SELECT MIN(id) FROM sandbox_messages WHERE delivery_id IS NOT NULL GROUP BY delivery_id);
CREATE UNIQUE INDEX sandbox_messages_delivery ON sandbox_messages(delivery_id);
