//! What the run prints: each failing case as it fails (id, input, diff),
//! notes on passing cases, and one summary line per area in file order.

use std::process::ExitCode;

use serde_json::Value;

use crate::case::Outcome;
use crate::corrections;

/// The tally of one area.
#[derive(Debug, Default)]
struct Tally {
    area: String,
    passed: usize,
    /// Passed cases that record a deliberate difference from falcor.
    differences: usize,
    /// Passed cases checked against a correction of falcor's answer.
    corrections: usize,
    failed: usize,
    not_run: usize,
    /// Why cases were not run, each reason once.
    reasons: Vec<String>,
}

/// The tallies of a run, by area in the order areas first appear.
#[derive(Debug, Default)]
pub(crate) struct Report {
    tallies: Vec<Tally>,
    /// The corrected cases met, as `(id, area, why, passed)`.
    corrected: Vec<(String, String, String, bool)>,
    /// Corrections that matched no case of the file.
    pub(crate) unused_corrections: Vec<String>,
}

/// What the report needs to know of a checked case.
#[derive(Debug)]
pub(crate) struct Checked<'a> {
    pub(crate) id: &'a str,
    pub(crate) area: &'a str,
    /// The case's input, or the whole element when it is not a case.
    pub(crate) input: &'a Value,
    pub(crate) difference: bool,
    /// Why the case's `expected` was corrected, if it was.
    pub(crate) correction: Option<&'a str>,
    pub(crate) outcome: Outcome,
}

impl Report {
    /// Counts a case, printing it if it failed or has a note.
    pub(crate) fn record(&mut self, case: Checked<'_>) {
        if let Some(why) = case.correction {
            self.corrected.push((
                case.id.to_owned(),
                case.area.to_owned(),
                why.to_owned(),
                matches!(case.outcome, Outcome::Passed { .. }),
            ));
        }
        let tally = self.tally(case.area);
        match case.outcome {
            Outcome::Passed { note } => {
                tally.passed += 1;
                tally.differences += usize::from(case.difference);
                tally.corrections += usize::from(case.correction.is_some());
                if let Some(note) = note {
                    println!("ok   {}: {note}", case.id);
                }
            }
            Outcome::Failed { diff } => {
                tally.failed += 1;
                println!("FAIL {} ({})", case.id, case.area);
                println!("  input: {}", case.input);
                if let Some(why) = case.correction {
                    println!(
                        "  (checked against its correction in {}: {why})",
                        corrections::FILE
                    );
                }
                println!("{}", indent(&diff));
            }
            Outcome::NotRun { why } => {
                tally.not_run += 1;
                if !tally.reasons.contains(&why) {
                    tally.reasons.push(why);
                }
            }
        }
    }

    fn tally(&mut self, area: &str) -> &mut Tally {
        let index = match self.tallies.iter().position(|tally| tally.area == area) {
            Some(index) => index,
            None => {
                self.tallies.push(Tally {
                    area: area.to_owned(),
                    ..Tally::default()
                });
                self.tallies.len() - 1
            }
        };
        &mut self.tallies[index]
    }

    /// Prints the summary; fails the run if a case failed or none ran.
    pub(crate) fn finish(&self, source: &str) -> ExitCode {
        println!();
        for tally in &self.tallies {
            println!("{}", tally.summary());
        }
        if !self.corrected.is_empty() {
            println!(
                "\ncorrected cases: checked against our corrected answer in {}, \
                 not falcor's (these passes do not show falcor's behaviour):",
                corrections::FILE
            );
            for (id, area, why, passed) in &self.corrected {
                let failed = if *passed { "" } else { " FAILED" };
                println!("  {id} ({area}){failed}: {why}");
            }
        }
        if !self.unused_corrections.is_empty() {
            println!(
                "\nnote: corrections for cases not in this file: {}",
                self.unused_corrections.join(", ")
            );
        }
        let passed: usize = self.tallies.iter().map(|t| t.passed).sum();
        let failed: usize = self.tallies.iter().map(|t| t.failed).sum();
        let not_run: usize = self.tallies.iter().map(|t| t.not_run).sum();
        println!(
            "\nconformance: {passed} passed, {failed} failed, {not_run} not run, from {source}"
        );
        if failed > 0 {
            println!("conformance FAILED: {failed} case(s) failed");
            ExitCode::FAILURE
        } else if passed + failed == 0 {
            println!("conformance FAILED: no case ran");
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

impl Tally {
    /// `path-syntax: 38 passed (6 deliberate differences), 0 failed`,
    /// `router-set: 9 passed (1 deliberate difference, 2 corrections), 0
    /// failed`, or
    /// `router-get: 40 not run (the router is not built yet)`.
    fn summary(&self) -> String {
        let not_run = match self.not_run {
            0 => String::new(),
            n => format!("{n} not run ({})", self.reasons.join("; ")),
        };
        if self.passed + self.failed == 0 {
            return format!("{}: {not_run}", self.area);
        }
        let mut apart = Vec::new();
        match self.differences {
            0 => {}
            1 => apart.push(String::from("1 deliberate difference")),
            n => apart.push(format!("{n} deliberate differences")),
        }
        match self.corrections {
            0 => {}
            1 => apart.push(String::from("1 correction")),
            n => apart.push(format!("{n} corrections")),
        }
        let differences = if apart.is_empty() {
            String::new()
        } else {
            format!(" ({})", apart.join(", "))
        };
        let mut line = format!(
            "{}: {} passed{differences}, {} failed",
            self.area, self.passed, self.failed
        );
        if !not_run.is_empty() {
            line = format!("{line}, {not_run}");
        }
        line
    }
}

/// `text` indented by two spaces, so that a failure reads as one block.
fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
