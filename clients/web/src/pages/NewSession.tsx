import { useEffect, useState } from "preact/hooks";
import { AgentKind, type Runner } from "@switchboard/client/web";
import { errorText, launchApi } from "../api";
import { agentChoices, launchRequest, type LaunchForm } from "../launch";
import { projects } from "../projects";
import { canEdit } from "../roles";
import { navigate } from "../router";
import { useStore } from "../store";
import { Link, Spinner } from "../ui";

/** "New session": launch an agent on one of the chosen project's runners. */
export function NewSession() {
  const p = useStore(projects())!;
  const project = p.current;
  if (!project || !canEdit(project.role)) {
    return (
      <main class="page">
        <h1>New session</h1>
        <p class="muted card pad">{project ? `Viewers of ${project.name} cannot start sessions.` : "Choose a project above first."}</p>
      </main>
    );
  }
  return <LaunchFormPage key={project.id} projectId={project.id} />;
}

function LaunchFormPage({ projectId }: { projectId: string }) {
  const [runners, setRunners] = useState<Runner[] | null>(null);
  const [form, setForm] = useState<LaunchForm>({
    projectId,
    runnerId: "",
    agent: AgentKind.CLAUDE_CODE,
    sessionName: "",
    prompt: "",
    command: "",
    repoUrl: "",
    repoBranch: "",
    hardLimitMinutes: "120",
    inactivityMinutes: "30",
    startDeadlineMinutes: "10",
  });
  // One request id per attempt: a double click or a retried submit launches once.
  const [requestId, setRequestId] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  useEffect(() => {
    launchApi
      .listRunners({ projectId, pageSize: 100 })
      .then((r) => setRunners(r.runners))
      .catch((e) => {
        setError(errorText(e));
        setRunners([]);
      });
  }, [projectId]);

  const set = <K extends keyof LaunchForm>(key: K, value: LaunchForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setRequestId(crypto.randomUUID()); // a changed form is a new launch
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const req = launchRequest(form, requestId);
    if (typeof req === "string") {
      setError(req);
      return;
    }
    setBusy(true);
    setError("");
    try {
      const res = await launchApi.launchSession(req);
      navigate(`/sessions/${encodeURIComponent(res.session!.id)}`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const online = runners?.filter((r) => r.online) ?? [];
  return (
    <main class="page">
      <div class="page-head">
        <div>
          <h1>New session</h1>
          <p class="muted small">
            The agent runs on one of this project's runners, in a fresh workspace, and you watch it here. <Link href="/runners">Runners</Link>
          </p>
        </div>
      </div>
      <form class="card launch-form" onSubmit={submit} data-testid="launch-form">
        <label>
          Runner
          {runners === null ? (
            <Spinner label="Loading runners…" />
          ) : (
            <select name="runner" value={form.runnerId} onChange={(e) => set("runnerId", e.currentTarget.value)}>
              <option value="">Any runner of the project{online.length ? ` (${online.length} online)` : " (none online: it waits)"}</option>
              {runners.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} · {r.online ? `online, ${r.runningCount}/${r.capacity} busy` : "offline"}
                </option>
              ))}
            </select>
          )}
        </label>
        <fieldset class="agent-choice">
          <legend>Agent</legend>
          {agentChoices.map((c) => (
            <label key={c.value} class="radio">
              <input type="radio" name="agent" value={String(c.value)} checked={form.agent === c.value} onChange={() => set("agent", c.value)} />
              {c.label}
            </label>
          ))}
        </fieldset>
        {form.agent === AgentKind.COMMAND ? (
          <label>
            Command
            <input name="command" placeholder="e.g. python3 agent.py --task docs" value={form.command} onInput={(e) => set("command", e.currentTarget.value)} />
          </label>
        ) : null}
        <label>
          {form.agent === AgentKind.COMMAND ? "Prompt (optional, passed to the command as SWITCHBOARD_PROMPT)" : "Prompt"}
          <textarea name="prompt" rows={4} placeholder="e.g. Fix issue 412 and open a pull request" value={form.prompt} onInput={(e) => set("prompt", e.currentTarget.value)} />
        </label>
        <div class="row2">
          <label>
            Repository (optional)
            <input name="repo" placeholder="https://github.com/org/repo.git" value={form.repoUrl} onInput={(e) => set("repoUrl", e.currentTarget.value)} />
          </label>
          <label>
            Branch
            <input name="branch" placeholder="default branch" value={form.repoBranch} onInput={(e) => set("repoBranch", e.currentTarget.value)} />
          </label>
        </div>
        <label>
          Session name (optional)
          <input name="session-name" maxLength={200} value={form.sessionName} onInput={(e) => set("sessionName", e.currentTarget.value)} />
        </label>
        <fieldset class="limits">
          <legend>Limits (minutes)</legend>
          <label>
            Time limit
            <input name="hard-limit" inputMode="decimal" value={form.hardLimitMinutes} onInput={(e) => set("hardLimitMinutes", e.currentTarget.value)} />
          </label>
          <label>
            Stop when idle for
            <input name="inactivity" inputMode="decimal" value={form.inactivityMinutes} onInput={(e) => set("inactivityMinutes", e.currentTarget.value)} />
          </label>
          <label>
            Start within
            <input name="start-deadline" inputMode="decimal" value={form.startDeadlineMinutes} onInput={(e) => set("startDeadlineMinutes", e.currentTarget.value)} />
          </label>
        </fieldset>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="btn btn-primary" type="submit" disabled={busy}>
          {busy ? "Launching…" : "Launch session"}
        </button>
      </form>
    </main>
  );
}
