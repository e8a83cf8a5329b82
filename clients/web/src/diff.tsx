// A unified diff, coloured line by line.
export function lineClass(line: string): string {
  if (line.startsWith("diff --git") || line.startsWith("index ") || line.startsWith("new file") || line.startsWith("deleted file") || line.startsWith("similarity") || line.startsWith("rename ")) return "d-meta";
  if (line.startsWith("+++") || line.startsWith("---")) return "d-file";
  if (line.startsWith("@@")) return "d-hunk";
  if (line.startsWith("+")) return "d-add";
  if (line.startsWith("-")) return "d-del";
  if (line.startsWith("\\")) return "d-meta";
  return "d-ctx";
}

export function DiffView({ text }: { text: string }) {
  const lines = text.replace(/\n$/, "").split("\n");
  return (
    <div class="diff" data-testid="diff">
      <pre>
        {lines.map((l, i) => (
          <div key={i} class={`d-line ${lineClass(l)}`}>
            {l || " "}
          </div>
        ))}
      </pre>
    </div>
  );
}
