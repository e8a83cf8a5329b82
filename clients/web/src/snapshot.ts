// Which of two views of one session a page keeps. A write's answer (StopSession, RenameSession)
// and a GetSession travel on their own HTTP requests, so they can arrive after the feed has
// shown later messages: a person's stop that crosses the agent's exit answers STOPPING after the
// feed said STOPPED. `last_seq` orders them.
import type { Session } from "@switchboard/client/web";

/** `incoming` unless it is older than `shown`; then `shown`, with the fields no feed message
 * carries (the name, the metadata) taken from `incoming`. */
export function newerSession(shown: Session | null | undefined, incoming: Session): Session {
  if (!shown || shown.id !== incoming.id || incoming.lastSeq >= shown.lastSeq) return incoming;
  return { ...shown, name: incoming.name, metadata: incoming.metadata };
}
