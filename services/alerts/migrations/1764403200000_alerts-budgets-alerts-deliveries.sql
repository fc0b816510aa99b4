-- Up Migration

-- Alerting settings of organizations that changed the defaults (UTC, every rule on; see the contracts).
CREATE TABLE alerts.settings (
  organization_id uuid           PRIMARY KEY,
  time_zone       text           NOT NULL,
  rules           jsonb          NOT NULL,
  revision        integer        NOT NULL,
  updated_at      timestamptz(3) NOT NULL
);

-- Budgets, deleted ones kept (their alerts still point at them). Scope columns as in spend_hourly:
-- organization ('', ''), project (project id, ''), tag (key, value), end user (user id, '').
CREATE TABLE alerts.budgets (
  id              uuid           PRIMARY KEY,
  organization_id uuid           NOT NULL,
  name            text           NOT NULL,
  scope_type      text           NOT NULL CHECK (scope_type IN ('organization', 'project', 'tag', 'end_user')),
  scope_id        text           NOT NULL,
  scope_value     text           NOT NULL,
  period          text           NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly')),
  amount          numeric(28,12) NOT NULL CHECK (amount > 0),
  currency        text           NOT NULL,
  thresholds      integer[]      NOT NULL,
  time_zone       text           NOT NULL,
  created_at      timestamptz(3) NOT NULL,
  updated_at      timestamptz(3) NOT NULL,
  deleted_at      timestamptz(3),
  revision        integer        NOT NULL
);
CREATE INDEX budgets_organization_idx ON alerts.budgets (organization_id, created_at) WHERE deleted_at IS NULL;

-- Channels with their configuration sealed (AES-256-GCM envelope), removed ones kept for the delivery log.
CREATE TABLE alerts.channels (
  id              uuid           PRIMARY KEY,
  organization_id uuid           NOT NULL,
  type            text           NOT NULL,
  name            text           NOT NULL,
  description     text           NOT NULL,
  config          jsonb          NOT NULL,
  created_at      timestamptz(3) NOT NULL,
  removed_at      timestamptz(3)
);
CREATE INDEX channels_organization_idx ON alerts.channels (organization_id, created_at) WHERE removed_at IS NULL;

CREATE TABLE alerts.alerts (
  id                uuid           PRIMARY KEY,
  organization_id   uuid           NOT NULL,
  kind              text           NOT NULL CHECK (kind IN ('threshold', 'forecast', 'anomaly', 'error_rate', 'unpriced')),
  rule_key          text           NOT NULL UNIQUE,
  budget_id         uuid,
  scope_type        text           NOT NULL,
  scope_id          text           NOT NULL,
  scope_value       text           NOT NULL,
  period_key        text           NOT NULL,
  period_start      timestamptz(3) NOT NULL,
  period_end        timestamptz(3) NOT NULL,
  threshold         integer,
  state             text           NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  fired_at          timestamptz(3) NOT NULL,
  acknowledged_at   timestamptz(3),
  acknowledged_by   text,
  resolved_at       timestamptz(3),
  resolution        text,
  notification      jsonb          NOT NULL,
  revision          integer        NOT NULL
);
CREATE INDEX alerts_organization_idx ON alerts.alerts (organization_id, fired_at DESC, id DESC);
CREATE INDEX alerts_open_idx ON alerts.alerts (organization_id) WHERE state <> 'resolved';
CREATE INDEX alerts_budget_idx ON alerts.alerts (budget_id, period_key) WHERE budget_id IS NOT NULL;

-- One row per alert and channel, created with the alert. Also the delivery consumer's claim: attempts are
-- counted and a lease taken (and committed) before anything is sent; `published_at` is the outbox mark of the
-- JetStream job.
CREATE TABLE alerts.deliveries (
  id              text           PRIMARY KEY,
  organization_id uuid           NOT NULL,
  alert_id        uuid           NOT NULL,
  channel_id      uuid           NOT NULL,
  channel_type    text           NOT NULL,
  channel_name    text           NOT NULL,
  state           text           NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead')),
  attempts        integer        NOT NULL DEFAULT 0,
  lease_until     timestamptz(3),
  published_at    timestamptz(3),
  created_at      timestamptz(3) NOT NULL,
  last_attempt_at timestamptz(3),
  delivered_at    timestamptz(3),
  last_error      text
);
CREATE INDEX deliveries_alert_idx ON alerts.deliveries (alert_id);
CREATE INDEX deliveries_unpublished_idx ON alerts.deliveries (created_at) WHERE published_at IS NULL;

-- The delivery log: one row per attempt, keyed by the event that recorded it.
CREATE TABLE alerts.delivery_attempts (
  event_id     uuid           PRIMARY KEY,
  delivery_id  text           NOT NULL,
  attempt      integer        NOT NULL,
  outcome      text           NOT NULL CHECK (outcome IN ('delivered', 'retryable', 'permanent', 'dead')),
  reason       text,
  http_status  integer,
  detail       text           NOT NULL,
  retry_in_ms  integer,
  at           timestamptz(3) NOT NULL
);
CREATE INDEX delivery_attempts_delivery_idx ON alerts.delivery_attempts (delivery_id, attempt);

-- Which copy of a usage event id counts for alerting: the first per project (the ledger may repeat an id), with
-- what a correction needs to find the scopes the event added to and its cost as counted.
CREATE TABLE alerts.usage_claims (
  project_id      uuid           NOT NULL,
  event_id        text           NOT NULL,
  organization_id uuid           NOT NULL,
  occurred_at     timestamptz(3) NOT NULL,
  provider        text           NOT NULL,
  model           text           NOT NULL,
  user_id         text,
  tags            jsonb          NOT NULL DEFAULT '{}',
  -- NULL exactly when unpriced: never a silent zero.
  cost            numeric(28,12),
  cost_status     text           NOT NULL CHECK (cost_status IN ('priced', 'unpriced', 'override')),
  claimed_at      timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, event_id)
);
CREATE INDEX usage_claims_claimed_at_idx ON alerts.usage_claims (claimed_at);
CREATE INDEX usage_claims_unpriced_idx ON alerts.usage_claims (organization_id, claimed_at) WHERE cost_status = 'unpriced';

-- The service's own hourly aggregates per organization, project, tag value and end user (never the ingestion
-- schema): what budgets, forecasts and the anomaly, error-rate and unpriced rules read.
CREATE TABLE alerts.spend_hourly (
  organization_id uuid           NOT NULL,
  scope_type      text           NOT NULL,
  scope_id        text           NOT NULL,
  scope_value     text           NOT NULL,
  hour            timestamptz(3) NOT NULL,
  cost            numeric(28,12) NOT NULL,
  requests        bigint         NOT NULL,
  errors          bigint         NOT NULL,
  unpriced        bigint         NOT NULL,
  PRIMARY KEY (organization_id, scope_type, scope_id, scope_value, hour)
);
CREATE INDEX spend_hourly_hour_idx ON alerts.spend_hourly (hour);

-- Last firing of a repeating rule per scope, for its cooldown; written under an advisory lock by the evaluator
-- and by the projection (so a crash between the two cannot lose it).
CREATE TABLE alerts.rule_state (
  organization_id uuid           NOT NULL,
  rule            text           NOT NULL,
  scope_key       text           NOT NULL,
  last_fired_at   timestamptz(3) NOT NULL,
  last_alert_id   uuid           NOT NULL,
  PRIMARY KEY (organization_id, rule, scope_key)
);

-- Names of organizations and projects from the auth events, for the text of notifications.
CREATE TABLE alerts.directory_names (
  kind            text           NOT NULL CHECK (kind IN ('organization', 'project')),
  id              uuid           NOT NULL,
  organization_id uuid           NOT NULL,
  name            text           NOT NULL,
  PRIMARY KEY (kind, id)
);

GRANT SELECT, INSERT, UPDATE ON alerts.settings, alerts.budgets, alerts.channels, alerts.alerts, alerts.deliveries,
  alerts.delivery_attempts, alerts.rule_state, alerts.directory_names TO llmlab_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON alerts.usage_claims, alerts.spend_hourly TO llmlab_app;

-- Down Migration
DROP TABLE alerts.directory_names;
DROP TABLE alerts.rule_state;
DROP TABLE alerts.spend_hourly;
DROP TABLE alerts.usage_claims;
DROP TABLE alerts.delivery_attempts;
DROP TABLE alerts.deliveries;
DROP TABLE alerts.alerts;
DROP TABLE alerts.channels;
DROP TABLE alerts.budgets;
DROP TABLE alerts.settings;
