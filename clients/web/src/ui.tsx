import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { SessionStatus, statusLabel, type StreamState } from "@switchboard/client/web";
import { linkClick } from "./router";

export function Link(props: { href: string; class?: string; children: ComponentChildren; "aria-label"?: string; "data-testid"?: string }) {
  return (
    <a href={props.href} class={props.class} onClick={linkClick} aria-label={props["aria-label"]} data-testid={props["data-testid"]}>
      {props.children}
    </a>
  );
}

const statusClass: Record<number, string> = {
  [SessionStatus.ACTIVE]: "ok",
  [SessionStatus.AWAITING_INPUT]: "attn",
  [SessionStatus.STOPPING]: "warn",
  [SessionStatus.COMPLETED]: "done",
  [SessionStatus.FAILED]: "bad",
  [SessionStatus.STOPPED]: "muted",
  [SessionStatus.DISCONNECTED]: "warn",
  [SessionStatus.PENDING]: "muted",
  [SessionStatus.STARTING]: "ok",
};

export function StatusBadge({ status }: { status: SessionStatus }) {
  return (
    <span class={`badge badge-${statusClass[status] ?? "muted"}`} data-testid="status">
      {statusLabel(status)}
    </span>
  );
}

const connText: Record<StreamState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

export function ConnState({ state }: { state: StreamState }) {
  return (
    <span class={`conn conn-${state}`} role="status" aria-live="polite" data-testid="conn">
      <span class="dot" aria-hidden="true" />
      {connText[state]}
    </span>
  );
}

/** Re-renders every `ms` (for relative times and countdowns). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function Modal(props: { title: string; children: ComponentChildren; onClose: () => void }) {
  useEffect(() => {
    const k = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
    window.addEventListener("keydown", k);
    return () => window.removeEventListener("keydown", k);
  }, []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.title}>
        <h2>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return (
    <div class="spinner" role="status">
      <span class="spin" aria-hidden="true" />
      {label}
    </div>
  );
}
