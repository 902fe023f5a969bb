//! `reload`: sends SIGHUP to the running server, found by `--pid` or `server.pid_file`
//! (which `serve` writes at start and removes at exit).

use std::path::{Path, PathBuf};

use crate::config;

/// The pid file of a running `serve`; removed when dropped.
pub struct PidFile(PathBuf);

impl PidFile {
    pub fn write(path: &Path) -> Result<Self, String> {
        std::fs::write(path, format!("{}\n", std::process::id()))
            .map_err(|e| format!("server.pid_file: cannot write {}: {e}", path.display()))?;
        Ok(Self(path.to_owned()))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn send(config_path: &Path, pid: Option<i32>) -> Result<(), String> {
    let pid = match pid {
        Some(pid) => pid,
        None => read_pid(config_path)?,
    };
    let process =
        rustix::process::Pid::from_raw(pid).ok_or_else(|| format!("{pid} is not a process ID"))?;
    rustix::process::kill_process(process, rustix::process::Signal::HUP)
        .map_err(|e| format!("cannot signal process {pid}: {e}"))?;
    println!("asked process {pid} to reload its configuration; its log says how it went");
    Ok(())
}

fn read_pid(config_path: &Path) -> Result<i32, String> {
    let settings = config::load(config_path).map_err(|e| e.to_string())?;
    let file = settings
        .server
        .pid_file
        .ok_or("server.pid_file is not set: give the server's process ID with --pid".to_owned())?;
    let text = std::fs::read_to_string(&file).map_err(|e| {
        format!(
            "cannot read {} (is the server running?): {e}",
            file.display()
        )
    })?;
    text.trim()
        .parse()
        .map_err(|_| format!("{} does not hold a process ID", file.display()))
}
