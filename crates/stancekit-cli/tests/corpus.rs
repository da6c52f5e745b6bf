//! The corpus path of the CLI on tiny random models: `analyze` through the shared document loop (JSONL in
//! and out, per-document targets, error records), and resumable `--output` files that survive SIGKILL.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::Fixture;
use serde_json::Value;

/// `analyze` with the fixture's tiny models and `args`.
fn analyze(fixture: &Fixture, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stancekit"));
    command
        .arg("analyze")
        .args(["--ner-model", &fixture.model("ner")])
        .args(["--stance-model", &fixture.model("stance")])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// A document entity's name, label and mention spans.
type Spans = (Value, Value, Vec<(Value, Value)>);

/// Each document entity's name, label and mention spans (scores move by ~1e-7 with the batch's padding).
fn spans(entities: &Value) -> Vec<Spans> {
    entities
        .as_array()
        .unwrap()
        .iter()
        .map(|entity| {
            let mentions = entity["mentions"].as_array().unwrap().iter();
            (
                entity["name"].clone(),
                entity["label"].clone(),
                mentions
                    .map(|m| (m["start"].clone(), m["end"].clone()))
                    .collect(),
            )
        })
        .collect()
}

fn corpus(documents: usize) -> String {
    let sentences = [
        "President Vance said peace talks with Russia start in Paris.",
        "“Sanctions stay,” he told the minister.",
        "Macron warned that Europe must spend more on troops.",
        "The war goes on in Ukraine.",
    ];
    (0..documents)
        .map(|index| {
            let text: Vec<&str> = (0..1 + index % 4)
                .map(|k| sentences[(index + k) % 4])
                .collect();
            serde_json::json!({"id": format!("doc-{index}"), "text": text.join(" ")}).to_string()
                + "\n"
        })
        .collect()
}

#[test]
fn analyze_reads_jsonl_with_document_targets_and_keeps_going_past_bad_lines() {
    let fixture = Fixture::new("analyze");
    let input = fixture.path("in.jsonl");
    let mut body = String::new();
    body +=
        r#"{"id": "a", "text": "Vance said sanctions stay.", "targets": ["sanctions", "NATO"]}"#;
    body += "\n{\"id\": \"b\", \"text\": \"Macron warned Europe.\"}\n";
    body += "not json\n";
    body += r#"{"id": "c", "text": "Trump spoke.", "targets": "NATO"}"#;
    body += "\n";
    std::fs::write(&input, body).unwrap();
    let output: Output = analyze(
        &fixture,
        &[input.to_str().unwrap(), "--format", "jsonl", "-t", "peace"],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "a bad line fails the run");
    let records = lines(&output.stdout);
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", &format!("{}:3", input.display()), "c"]);
    assert_eq!(
        records[0]["analysis"]["targets"],
        serde_json::json!(["sanctions", "NATO"])
    );
    assert_eq!(
        records[1]["analysis"]["targets"],
        serde_json::json!(["peace"])
    );
    assert_eq!(records[2]["error"]["kind"], "invalid_input");
    assert!(records[3]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("list of strings"));

    // The same documents one per batch give the same analyses as all in one batch.
    let single: Output = analyze(
        &fixture,
        &[
            input.to_str().unwrap(),
            "--format",
            "jsonl",
            "-t",
            "peace",
            "--batch-size",
            "1",
        ],
    )
    .output()
    .unwrap();
    let single = lines(&single.stdout);
    for (batched, alone) in records.iter().zip(&single) {
        let (Some(batched), Some(alone)) = (batched.get("analysis"), alone.get("analysis")) else {
            continue;
        };
        assert_eq!(batched["attributions"], alone["attributions"]);
        assert_eq!(spans(&batched["entities"]), spans(&alone["entities"]));
        for (x, y) in batched["stances"]
            .as_array()
            .unwrap()
            .iter()
            .zip(alone["stances"].as_array().unwrap())
        {
            assert_eq!(x["label"], y["label"]);
            let (x, y) = (x["score"].as_f64().unwrap(), y["score"].as_f64().unwrap());
            assert!((x - y).abs() < 1e-4, "{x} vs {y}");
        }
    }

    // JSON, table and HTML are streamed too.
    let json: Output = analyze(&fixture, &[input.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let array: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(array.as_array().unwrap().len(), 4);
    let html: Output = analyze(&fixture, &[input.to_str().unwrap(), "--format", "html"])
        .output()
        .unwrap();
    let page = String::from_utf8(html.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    assert!(page.contains("<h2>b</h2>") && page.contains("error (invalid_input)"));
}

#[test]
fn usage_errors_for_the_corpus_options() {
    let fixture = Fixture::new("usage");
    let out = fixture.path("out.jsonl");
    for args in [
        vec!["--output", out.to_str().unwrap(), "--format", "table"],
        vec!["--batch-size", "0"],
        vec!["--threads", "0"],
    ] {
        let output = analyze(&fixture, &args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    }
    assert!(!out.exists());
    let stance = Command::new(env!("CARGO_BIN_EXE_stancekit"))
        .args(["ner", "--format", "html", "-"])
        .output()
        .unwrap();
    assert_eq!(stance.status.code(), Some(2));
}

/// Records of an output file by id, checking that every line is a whole record and no id repeats.
fn records_by_id(path: &Path) -> BTreeMap<String, Value> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.is_empty() || bytes.ends_with(b"\n"));
    let mut records = BTreeMap::new();
    for record in lines(&bytes) {
        let id = record["id"].as_str().unwrap().to_owned();
        assert!(records.insert(id.clone(), record).is_none(), "{id} twice");
    }
    records
}

#[test]
fn a_run_killed_at_any_point_resumes_with_every_document_exactly_once() {
    let fixture = Fixture::new("resume");
    let documents = 400;
    let input = fixture.file("corpus.jsonl", corpus(documents).as_bytes());
    let input = input.to_str().unwrap().to_owned();
    let start_into = |output: &Path| {
        let output = output.to_str().unwrap();
        let args = [
            &input,
            "-t",
            "peace talks",
            "--batch-size",
            "4",
            "--output",
            output,
        ];
        analyze(&fixture, &args)
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    };

    // The reference: one uninterrupted run.
    let reference = fixture.path("reference.jsonl");
    let status = start_into(&reference).wait().unwrap();
    assert!(status.success());
    let expected = records_by_id(&reference);
    assert_eq!(expected.len(), documents);

    // Killed with SIGKILL after growing delays, then restarted on the same output until a run completes.
    let output = fixture.path("out.jsonl");
    let mut kills = 0;
    let mut delay = Duration::from_millis(150);
    let started = Instant::now();
    loop {
        let mut child = start_into(&output);
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success());
                break;
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                records_by_id(&output_without_torn_tail(&output, &fixture));
            }
        }
        delay += Duration::from_millis(40);
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "no run finished"
        );
    }
    assert!(kills >= 2, "the runs were not interrupted ({kills} kills)");
    let got = records_by_id(&output);
    assert_eq!(got.len(), documents);
    for (id, record) in &got {
        let reference = &expected[id];
        assert_eq!(
            record["analysis"]["attributions"],
            reference["analysis"]["attributions"]
        );
        assert_eq!(
            record["analysis"]["entities"],
            reference["analysis"]["entities"]
        );
    }

    // A finished output is left alone: a further run skips everything and writes nothing.
    let before = std::fs::read(&output).unwrap();
    let again = analyze(
        &fixture,
        &[
            &input,
            "-t",
            "peace talks",
            "--output",
            output.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains(&format!("{documents} skipped")));
    assert_eq!(std::fs::read(&output).unwrap(), before);
}

/// A copy of `path` without a torn last line (what the next run will see), to check the records before it.
fn output_without_torn_tail(path: &Path, fixture: &Fixture) -> PathBuf {
    let mut bytes = std::fs::read(path).unwrap_or_default();
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    bytes.truncate(keep);
    let copy = fixture.path("snapshot.jsonl");
    std::fs::File::create(&copy)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    copy
}

#[test]
fn a_torn_last_record_is_redone() {
    let fixture = Fixture::new("torn");
    let input = fixture.file("corpus.jsonl", corpus(6).as_bytes());
    let output = fixture.path("out.jsonl");
    std::fs::write(
        &output,
        "{\"id\":\"doc-0\",\"analysis\":{}}\n{\"id\":\"doc-1\",\"analys",
    )
    .unwrap();
    let run = analyze(
        &fixture,
        &[
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "{:?}: {stderr}\n{}",
        run.status,
        std::fs::read_to_string(&output).unwrap_or_default()
    );
    assert!(
        stderr.contains("1 document(s) already done") && stderr.contains("removed"),
        "{stderr}"
    );
    let records = records_by_id(&output);
    assert_eq!(records.len(), 6);
    assert_eq!(
        records["doc-0"]["analysis"],
        serde_json::json!({}),
        "kept, not redone"
    );
    assert!(
        records["doc-1"]["analysis"]["sentences"].is_array(),
        "redone"
    );
}
