-- Launches that run as Kubernetes Jobs (issue 17) beside those runners take (issue 16).
-- target: 1 a runner, 2 Kubernetes. A Kubernetes launch is claimed by one replica (FOR UPDATE
-- SKIP LOCKED, held while it creates the Job), then state 3 (the Job exists) and 4 (it ended).
ALTER TABLE launches ADD COLUMN target smallint NOT NULL DEFAULT 1;
-- Where its Job lives (set when the Job was created).
ALTER TABLE launches ADD COLUMN kube_namespace text;
ALTER TABLE launches ADD COLUMN kube_job text;
-- When this server asked Kubernetes to delete the Job (a stop, a limit, a start failure): the
-- deletion is sent once; the Job's disappearance in the watch ends the launch.
ALTER TABLE launches ADD COLUMN kube_deleted_at timestamptz;

-- The queue the Kubernetes launcher claims from, and the live Jobs it follows.
CREATE INDEX launches_kube_queue_idx ON launches (created_at) WHERE state = 1 AND target = 2;
CREATE INDEX launches_kube_live_idx ON launches (session_id) WHERE state = 3 AND target = 2;
