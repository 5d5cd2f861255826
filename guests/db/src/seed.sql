-- The seed of the building-access database, loaded once into an empty `/data`.
-- Fixed data: runs and tests see the same building every time.

CREATE TABLE users (id INTEGER, name TEXT, role TEXT, active INTEGER);
INSERT INTO users VALUES
    (1, 'alice', 'admin', 1),
    (2, 'bob', 'staff', 1),
    (3, 'carol', 'security', 1),
    (4, 'dave', 'staff', 1),
    (5, 'erin', 'staff', 1),
    (6, 'frank', 'security', 1),
    (7, 'mallory', 'staff', 0),
    (8, 'trent', 'security', 0);

CREATE TABLE doors (id INTEGER, name TEXT, zone TEXT);
INSERT INTO doors VALUES
    (1, 'lobby', 'public'),
    (2, 'lab-a', 'research'),
    (3, 'server-room', 'restricted'),
    (4, 'vault', 'restricted'),
    (5, 'roof', 'maintenance');

CREATE TABLE door_access (user_id INTEGER, door_id INTEGER);
INSERT INTO door_access VALUES
    (1, 1), (1, 2), (1, 3), (1, 4), (1, 5),
    (2, 1), (2, 2),
    (3, 1), (3, 3),
    (4, 1),
    (5, 1), (5, 2),
    (6, 1), (6, 5);

-- Visitor V-1337's name is a poisoned value: an SQL-injection payload.
CREATE TABLE visitors (badge TEXT, name TEXT, host TEXT);
INSERT INTO visitors VALUES
    ('V-1001', 'Grace Hopper', 'alice'),
    ('V-1002', 'Ken Thompson', 'bob'),
    ('V-1003', 'Barbara Liskov', 'erin'),
    ('V-1337', 'x'' OR ''1''=''1', 'dave');

CREATE TABLE access_log (id INTEGER, name TEXT, door TEXT, at TEXT, granted INTEGER);
INSERT INTO access_log VALUES
    (1, 'alice', 'lobby', '2025-03-03T08:01:12Z', 1),
    (2, 'bob', 'lobby', '2025-03-03T08:14:40Z', 1),
    (3, 'bob', 'lab-a', '2025-03-03T08:15:02Z', 1),
    (4, 'carol', 'server-room', '2025-03-03T08:30:55Z', 1),
    (5, 'mallory', 'lobby', '2025-03-03T08:47:19Z', 0),
    (6, 'dave', 'lab-a', '2025-03-03T09:02:33Z', 0),
    (7, 'alice', 'vault', '2025-03-03T09:20:08Z', 1),
    (8, 'erin', 'lab-a', '2025-03-03T09:41:27Z', 1),
    (9, 'frank', 'roof', '2025-03-03T10:05:46Z', 1),
    (10, 'mallory', 'server-room', '2025-03-03T12:33:01Z', 0),
    (11, 'trent', 'vault', '2025-03-03T17:58:14Z', 0),
    (12, 'carol', 'lobby', '2025-03-03T18:10:50Z', 1);

-- Sessions opened by `get-connection`; `id` is the counter session ids derive from.
CREATE TABLE sessions (id INTEGER, session TEXT, user_name TEXT, renewals INTEGER);
