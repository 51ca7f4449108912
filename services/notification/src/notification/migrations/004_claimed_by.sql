-- Which worker process claimed a row for sending. A claim whose COMMIT reached the database
-- just as the connection broke leaves rows `sending` that the worker never saw, so never sent:
-- the same process finds them by this column and puts them back in the queue at once, instead
-- of letting the stuck-row rule fail them as "may have been delivered".
ALTER TABLE messages ADD COLUMN claimed_by UUID;
