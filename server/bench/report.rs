//! The report: one table in which every figure of ours stands next to its baseline (printed),
//! and the same rows as JSON with the run's header and the raw fan-out figures.

use serde_json::json;

use crate::stats::Samples;

/// One line of the table: a figure of ours next to its baseline.
pub struct Row {
    pub scenario: &'static str,
    pub case: String,
    pub metric: String,
    pub unit: &'static str,
    pub ours: f64,
    pub baseline: Option<f64>,
    pub baseline_name: &'static str,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub failures: Vec<String>,
    pub notes: Vec<String>,
    /// Raw figures of every fan-out run.
    pub fanout: Vec<serde_json::Value>,
}

impl Report {
    #[allow(clippy::too_many_arguments)] // one table row: each argument is a column
    pub fn row(
        &mut self,
        scenario: &'static str,
        case: &str,
        metric: &str,
        unit: &'static str,
        ours: f64,
        baseline: Option<f64>,
        baseline_name: &'static str,
    ) {
        if ours.is_nan() && baseline.is_none_or(|b| b.is_nan()) {
            return; // not measurable here (e.g. no pid with --target)
        }
        self.rows.push(Row {
            scenario,
            case: case.to_owned(),
            metric: metric.to_owned(),
            unit,
            ours,
            baseline,
            baseline_name,
        });
    }

    pub fn latency(
        &mut self,
        scenario: &'static str,
        case: &str,
        ours: &mut Samples,
        base: Option<&mut Samples>,
        baseline_name: &'static str,
        qs: &[(&str, f64)],
    ) {
        let mut base = base;
        for (name, q) in qs {
            let b = base.as_deref_mut().map(|b| {
                if *q >= 1.0 {
                    b.max_ms()
                } else {
                    b.quantile_ms(*q)
                }
            });
            let o = if *q >= 1.0 {
                ours.max_ms()
            } else {
                ours.quantile_ms(*q)
            };
            self.row(scenario, case, name, "ms", o, b, baseline_name);
        }
    }
}

pub const P3: &[(&str, f64)] = &[("p50", 0.5), ("p99", 0.99), ("p999", 0.999)];
pub const PMAX: &[(&str, f64)] = &[("p50", 0.5), ("p99", 0.99), ("max", 1.0)];

pub fn machine() -> serde_json::Value {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    json!({"nproc": nproc, "mem_total_kib": mem_kib, "cpu": model, "kernel": kernel.trim(), "loadavg_at_start": load.join(" ")})
}

fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn print_table(report: &Report) {
    let header = ["scenario", "case", "metric", "ours", "baseline", "ratio"];
    let mut lines: Vec<[String; 6]> = Vec::new();
    for r in &report.rows {
        let unit = if r.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", r.unit)
        };
        let (base, ratio) = match r.baseline {
            Some(b) => (
                format!("{}{unit} ({})", fmt_num(b), r.baseline_name),
                if b > 0.0 && !b.is_nan() && !r.ours.is_nan() {
                    format!("{:.2}", r.ours / b)
                } else {
                    "-".into()
                },
            ),
            None => ("-".into(), "-".into()),
        };
        lines.push([
            r.scenario.to_owned(),
            r.case.clone(),
            r.metric.clone(),
            format!("{}{unit}", fmt_num(r.ours)),
            base,
            ratio,
        ]);
    }
    let mut widths = header.map(|h| h.len());
    for l in &lines {
        for (i, c) in l.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let fmt_line = |cells: [&str; 6]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i >= 3 {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!("{}", fmt_line(header));
    println!(
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-|-")
    );
    let mut last_scenario = "";
    for (r, l) in report.rows.iter().zip(&lines) {
        if !last_scenario.is_empty() && r.scenario != last_scenario {
            println!(
                "{}",
                widths
                    .iter()
                    .map(|w| " ".repeat(*w))
                    .collect::<Vec<_>>()
                    .join(" | ")
                    .trim_end()
            );
        }
        last_scenario = r.scenario;
        println!("{}", fmt_line([&l[0], &l[1], &l[2], &l[3], &l[4], &l[5]]));
    }
}

/// What the header says about the run.
pub struct RunInfo {
    pub command: String,
    pub date: String,
    pub machine: serde_json::Value,
    pub smoke: bool,
    pub elapsed_secs: f64,
}

impl RunInfo {
    fn mode(&self) -> &'static str {
        if self.smoke { "smoke" } else { "full" }
    }
}

/// Prints the header, the table and the notes.
pub fn print(report: &Report, run: &RunInfo) {
    let machine = &run.machine;
    println!();
    println!("command:  {}", run.command);
    println!("date:     {}", run.date);
    println!(
        "machine:  {} CPUs ({}), {:.1} GiB RAM (MemTotal {} kB), Linux {}, load average at start {}",
        machine["nproc"],
        machine["cpu"].as_str().unwrap_or(""),
        machine["mem_total_kib"].as_u64().unwrap_or(0) as f64 / 1048576.0,
        machine["mem_total_kib"],
        machine["kernel"].as_str().unwrap_or(""),
        machine["loadavg_at_start"].as_str().unwrap_or("")
    );
    println!(
        "mode:     {}   (total {:.1} s; the bench client and the server share these cores)",
        run.mode(),
        run.elapsed_secs
    );
    println!();
    print_table(report);
    for n in &report.notes {
        println!("note: {n}");
    }
}

/// The whole report as the JSON document `--json` writes.
pub fn to_json(report: &Report, run: &RunInfo) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = report
        .rows
        .iter()
        .map(|r| {
            json!({
                "scenario": r.scenario, "case": r.case, "metric": r.metric, "unit": r.unit,
                "ours": if r.ours.is_nan() { None } else { Some(r.ours) },
                "baseline": r.baseline.filter(|b| !b.is_nan()), "baseline_name": r.baseline_name,
                "ratio": r.baseline.filter(|b| *b > 0.0 && !r.ours.is_nan()).map(|b| r.ours / b),
            })
        })
        .collect();
    json!({
        "command": run.command, "date": run.date, "machine": run.machine,
        "mode": run.mode(), "duration_secs": run.elapsed_secs,
        "rows": rows, "fanout_runs": report.fanout, "failures": report.failures, "notes": report.notes,
    })
}
