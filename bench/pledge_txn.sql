-- pgbench script: the SQL the service runs for one online pledge (POST /api/v1/pledges
-- with an Idempotency-Key and a donor e-mail), statement for statement, without Python.
-- Variables: :nprojects (projects 1..n of event number 900 exist, with ledger accounts).
\set project random(1, :nprojects)
\set amount random(100, 100000)
BEGIN;
-- the client's key and the posting's id are values the service knows before it asks
SELECT pg_advisory_xact_lock(hashtext('pledge:' || k)), k AS ikey, gen_random_uuid() AS txid FROM (SELECT md5(random()::text) AS k) s \gset
SELECT id, request_hash FROM pledge WHERE idempotency_key = ':ikey' LIMIT 1;
SELECT id, status, oversubscription_rule FROM event WHERE number = 900 LIMIT 1;
SELECT id FROM project WHERE id = :project FOR UPDATE;
SELECT id, event, status, target_fen FROM project WHERE id = :project LIMIT 1;
SELECT a.type, SUM(e.amount_fen) AS total FROM ledger_entry e JOIN ledger_account a ON a.id = e.account WHERE a.project = :project GROUP BY a.type;
INSERT INTO donor (id, kind, display_name, email, phone, receipt_title, uscc, anonymous, wants_receipt, reminders_opt_out, link_version, created_at)
  VALUES (gen_random_uuid(), 'individual', '压测捐赠人', 'bench@example.com', NULL, '压测捐赠人', NULL, false, true, false, 1, now()) RETURNING id AS donor \gset
INSERT INTO pledge (id, event, project, donor, amount_fen, channel, status, whole_project, allow_general_fund, message, due_on, idempotency_key, request_hash, status_reason, recorded_by, created_at, closed_at, excess_of)
  VALUES (gen_random_uuid(), (SELECT id FROM event WHERE number = 900), :project, ':donor', :amount, 'online', 'pledged', false, false, '', current_date + 30, ':ikey', md5(random()::text), '', NULL, now(), NULL, NULL) RETURNING id AS pledge \gset
INSERT INTO outbox_message (id, topic, payload, dedupe_key, created_at, available_at, delivered_at, attempts, last_error)
  VALUES (gen_random_uuid(), 'live.pledge', json_build_object('pledge_id', ':pledge', 'project_id', :project, 'amount_fen', :amount), 'live.pledge:' || ':pledge', now(), now(), NULL, 0, '') ON CONFLICT (dedupe_key) DO NOTHING;
INSERT INTO audit_log (actor, actor_label, action, object_type, object_id, reason, data, created_at)
  VALUES (NULL, 'donor (online)', 'pledge.create', 'pledge', ':pledge', '', json_build_object('project_fen', :amount), now());
SELECT email, display_name, link_version FROM donor WHERE id = ':donor' LIMIT 1;
SELECT p.amount_fen, p.due_on, p.channel, pr.title, e.title FROM pledge p LEFT JOIN project pr ON pr.id = p.project LEFT JOIN event e ON e.id = p.event WHERE p.id = ':pledge' LIMIT 1;
INSERT INTO outbox_message (id, topic, payload, dedupe_key, created_at, available_at, delivered_at, attempts, last_error)
  VALUES (gen_random_uuid(), 'mail.send', json_build_object('to', 'bench@example.com', 'subject', '感谢您的认捐', 'text', repeat('谢', 400)), 'pledge-confirmation:' || ':pledge', now(), now(), NULL, 0, '') ON CONFLICT (dedupe_key) DO NOTHING;
SELECT pg_advisory_xact_lock(7305001);
SELECT seq FROM ledger_transaction WHERE id = ':txid' LIMIT 1;
SELECT id, code FROM ledger_account WHERE code IN ('pledged:p' || :project, 'receivable:p' || :project);
SELECT seq AS head_seq, hash AS head_hash FROM ledger_transaction ORDER BY seq DESC LIMIT 1 \gset
INSERT INTO ledger_transaction (id, seq, key, kind, event, project, memo, occurred_at, posted_at, prev_hash, hash)
  VALUES (':txid', :head_seq + 1, 'pledge:' || ':pledge' || ':made', 'pledge_made', (SELECT id FROM event WHERE number = 900), :project, 'pledge ' || ':pledge', now(), now(), ':head_hash', encode(sha256(convert_to(':head_hash' || ':pledge', 'UTF8')), 'hex'));
INSERT INTO ledger_entry ("transaction", account, amount_fen, line, note) VALUES
  (':txid', (SELECT id FROM ledger_account WHERE code = 'receivable:p' || :project), :amount, 0, ''),
  (':txid', (SELECT id FROM ledger_account WHERE code = 'pledged:p' || :project), -:amount, 1, '');
COMMIT;
