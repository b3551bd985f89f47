//! Running child processes: echo the command, stream its output, fail with its status.

use std::process::{Command, ExitCode, ExitStatus, Stdio};

use anyhow::{Context as _, Result, bail};

/// The command as a person would type it, with the environment it adds.
pub fn display(cmd: &Command) -> String {
    let mut parts: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_string_lossy(), v?.to_string_lossy())))
        .collect();
    parts.push(cmd.get_program().to_string_lossy().into_owned());
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// Runs with inherited stdio (output streams live) and returns how it ended.
pub fn status(cmd: &mut Command) -> Result<ExitStatus> {
    let shown = display(cmd);
    eprintln!("$ {shown}");
    cmd.status()
        .with_context(|| format!("could not start `{shown}`"))
}

/// Runs with inherited stdio and fails unless it succeeds.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = status(cmd)?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(cmd));
    }
    Ok(())
}

/// Runs quietly and returns its stdout; `None` when the program is missing or fails.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The exit code to hand on from a child, so `cargo xtask test` fails exactly when the tests do.
pub fn exit_code(status: ExitStatus) -> ExitCode {
    match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).ok().filter(|&c| c != 0).unwrap_or(1)),
        None => ExitCode::FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_env_program_and_args() {
        let mut cmd = Command::new("cargo");
        cmd.args(["test", "--workspace"])
            .env("CHROME", "/usr/bin/chromium");
        assert_eq!(
            display(&cmd),
            "CHROME=/usr/bin/chromium cargo test --workspace"
        );
    }

    #[test]
    fn probe_is_none_for_missing_programs() {
        assert!(probe(&mut Command::new("/nonexistent/tachkhis-xtask-probe")).is_none());
    }
}
