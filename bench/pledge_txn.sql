-- pgbench script: the SQL the service runs for one online pledge (POST /api/v1/pledges
-- with an Idempotency-Key and a donor e-mail), statement for statement, without Python.
-- Variables: :nprojects (projects 1..n of event number 900 exist, with ledger accounts).
-- Values the service makes in Python (ids, the key, hashes) are made by PostgreSQL here;
-- the first statement also makes them, so pgbench runs no statement the service does not.
-- tests/integration/test_bench_sql_matches_service.py records what the service sends for
-- this request and fails when this script no longer matches it statement for statement.
\set project random(1, :nprojects)
\set amount random(100, 100000)
BEGIN;
SELECT k AS ikey, gen_random_uuid() AS txid, gen_random_uuid() AS donor, gen_random_uuid() AS pledge,
  (SELECT id FROM pledge WHERE idempotency_key = k) AS earlier
  FROM (SELECT md5(random()::text) AS k) s \gset
SELECT p.id, p.status, p.target_fen, p.title, e.id AS event_id, e.number AS event_number,
       e.status AS event_status, e.oversubscription_rule, e.title AS event_title
  FROM project p JOIN event e ON e.id = p.event WHERE p.id = :project FOR UPDATE OF p \gset
SELECT b.balance_fen AS total FROM ledger_account a JOIN ledger_balance b ON b.account = a.id WHERE a.code = 'pledged:p' || :project;
INSERT INTO donor (id, kind, display_name, email, phone, receipt_title, uscc, anonymous, wants_receipt, reminders_opt_out, link_version, created_at, contact_confirmed_at, erased_at)
  VALUES (':donor', 'individual', '压测捐赠人', 'bench@example.com', NULL, '压测捐赠人', NULL, false, true, false, 1, now(), NULL, NULL) RETURNING id;
INSERT INTO pledge (id, event, project, donor, amount_fen, channel, status, whole_project, allow_general_fund, message, due_on, idempotency_key, request_hash, status_reason, recorded_by, created_at, closed_at, excess_of)
  VALUES (':pledge', :event_id, :project, ':donor', :amount, 'online', 'pledged', false, false, '一起把好事办好', current_date + 30, ':ikey', md5(':ikey'), '', NULL, now(), NULL, NULL) RETURNING id;
INSERT INTO audit_log (actor, actor_label, action, object_type, object_id, reason, data, created_at)
  VALUES (NULL, 'donor (online)', 'pledge.create', 'pledge', ':pledge', '', json_build_object('project_fen', :amount), now());
INSERT INTO outbox_message (id, topic, payload, dedupe_key, created_at, available_at, delivered_at, attempts, last_error) VALUES
  (gen_random_uuid(), 'live.pledge', json_build_object('pledge_id', ':pledge', 'project_id', :project, 'amount_fen', :amount), 'live.pledge:' || ':pledge', now(), now(), NULL, 0, ''),
  (gen_random_uuid(), 'mail.send', json_build_object('to', 'bench@example.com', 'template', 'pledge_confirmation', 'context', json_build_object('donor_name', '压测捐赠人', 'pledge', json_build_object('amount_fen', :amount, 'due_on', current_date + 30, 'channel', 'online', 'project_title', '压测项目', 'event_title', '压测众筹会'), 'pledge_code', 'MS' || left(':pledge', 8), 'link', 'http://127.0.0.1:8000/donor/' || md5(':pledge') || '.1.' || left(md5(':ikey'), 22)), 'message_id', '<' || ':pledge' || '@minsheng.local>'), 'pledge-confirmation:' || ':pledge', now(), now(), NULL, 0, '')
  ON CONFLICT (dedupe_key) DO NOTHING;
SELECT pg_advisory_xact_lock(7305001);
SELECT (SELECT seq FROM ledger_transaction WHERE id = ':txid') AS existing, (SELECT seq FROM ledger_transaction ORDER BY seq DESC LIMIT 1) AS head_seq, (SELECT hash FROM ledger_transaction ORDER BY seq DESC LIMIT 1) AS head_hash, (SELECT COUNT(*) FROM ledger_account WHERE code IN ('pledged:p' || :project, 'receivable:p' || :project)) AS accounts \gset
INSERT INTO ledger_transaction (id, seq, key, kind, event, project, memo, occurred_at, posted_at, prev_hash, hash)
  VALUES (':txid', :head_seq + 1, 'pledge:' || ':pledge' || ':made', 'pledge_made', :event_id, :project, 'pledge ' || ':pledge', now(), now(), ':head_hash', encode(sha256(convert_to(':head_hash' || ':pledge', 'UTF8')), 'hex')) RETURNING id;
WITH new_entries AS (INSERT INTO ledger_entry ("transaction", account, amount_fen, line, note) VALUES
  (':txid', (SELECT id FROM ledger_account WHERE code = 'receivable:p' || :project), :amount, 0, ''),
  (':txid', (SELECT id FROM ledger_account WHERE code = 'pledged:p' || :project), -:amount, 1, '')
  RETURNING account, amount_fen)
INSERT INTO ledger_balance (account, balance_fen, entries, last_seq)
  SELECT account, SUM(amount_fen), COUNT(*), :head_seq + 1 FROM new_entries WHERE true GROUP BY account
  ON CONFLICT (account) DO UPDATE SET balance_fen = ledger_balance.balance_fen + excluded.balance_fen,
  entries = ledger_balance.entries + excluded.entries, last_seq = excluded.last_seq;
COMMIT;
