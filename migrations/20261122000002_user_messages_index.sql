-- Every LogStep (and Heartbeat) looks for user messages the agent has not read yet: messages of
-- kind 4 (MessageKind::UserMessage) after the session's agent_read_seq. Through the primary key
-- that lookup walks every message after agent_read_seq, and an agent that never got a user
-- message has agent_read_seq 0: each step read the whole session, so a session's steps got
-- slower the longer it ran. This partial index holds user messages only (few; the agent's own
-- steps pay nothing for it). The queries spell the kind as the literal 4 so that the planner can
-- match the index's predicate even in a generic plan of a prepared statement.
CREATE INDEX messages_user_messages_idx ON messages (session_id, seq) WHERE kind = 4;
