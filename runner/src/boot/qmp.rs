//! qemu's machine protocol (QMP) over a unix socket, driven from the guest's console: a line
//! that asks for an action (`cargo board soak`'s hot-unplug: `device_del`, then `device_add`)
//! makes the runner send its commands.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// A console line's request and the QMP commands it sends.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// A console line that contains this text sends `commands`.
    pub line: String,
    /// The commands (`{"execute": ..., "arguments": ...}`), in order.
    pub commands: Vec<Value>,
}

/// A boot with a QMP socket and the console lines that drive it.
#[derive(Debug, Clone)]
pub struct Hotplug {
    /// The socket qemu listens on (`-qmp unix:PATH,server=on,wait=off`).
    pub socket: PathBuf,
    /// The actions.
    pub triggers: Vec<Trigger>,
}

impl Hotplug {
    /// The guest's line that pulls the device `id` out, and the line that plugs it back in as
    /// `driver` with `properties` (e.g. `audiodev`).
    pub fn unplug_and_replug(socket: PathBuf, id: &str, driver: &str, properties: &[(&str, &str)]) -> Self {
        Self::unplug_and_replug_with(socket, id, &[device_add(driver, id, properties)])
    }

    /// The guest's line that pulls the device `id` (and what sits on its bus) out, and the
    /// line that sends `replug` (a controller first, then its codecs).
    pub fn unplug_and_replug_with(socket: PathBuf, id: &str, replug: &[Value]) -> Self {
        Hotplug {
            socket,
            triggers: vec![
                Trigger {
                    line: UNPLUG_LINE.into(),
                    commands: vec![json!({ "execute": "device_del", "arguments": { "id": id } })],
                },
                Trigger {
                    line: REPLUG_LINE.into(),
                    commands: replug.to_vec(),
                },
            ],
        }
    }

    /// The commands a console line asks for (none for most lines).
    pub fn commands_for(&self, line: &str) -> &[Value] {
        self.triggers
            .iter()
            .find(|t| line.contains(&t.line))
            .map_or(&[], |t| &t.commands)
    }
}

/// `device_add` of `driver` as `id` with `properties` (a value that is a number is sent as one:
/// QMP checks the types).
pub fn device_add(driver: &str, id: &str, properties: &[(&str, &str)]) -> Value {
    let mut arguments = json!({ "driver": driver });
    if !id.is_empty() {
        arguments["id"] = json!(id);
    }
    for (key, value) in properties {
        arguments[*key] = match value.parse::<u64>() {
            Ok(number) => json!(number),
            Err(_) => json!(value),
        };
    }
    json!({ "execute": "device_add", "arguments": arguments })
}

/// The guest's console line that asks for the device to be pulled out.
pub const UNPLUG_LINE: &str = "@@soak:unplug@@";
/// The guest's console line that asks for the device to be plugged in again.
pub const REPLUG_LINE: &str = "@@soak:replug@@";

/// A connection to qemu's QMP socket, past the capabilities negotiation.
pub struct Qmp {
    /// Commands go here.
    writer: UnixStream,
    /// Replies and events come from here.
    reader: BufReader<UnixStream>,
}

impl Qmp {
    /// Connects (qemu creates the socket as it starts: retried for up to 10 s), reads the
    /// greeting and leaves negotiation mode.
    pub fn connect(socket: &Path) -> Result<Qmp> {
        let mut tries = 0;
        let stream = loop {
            match UnixStream::connect(socket) {
                Ok(stream) => break stream,
                Err(_) if tries < 100 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(err) => return Err(err).with_context(|| format!("connecting to {}", socket.display())),
            }
        };
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut qmp = Qmp {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        };
        let greeting = qmp.read()?;
        if greeting.get("QMP").is_none() {
            bail!("not a QMP greeting: {greeting}");
        }
        qmp.execute(&json!({ "execute": "qmp_capabilities" }))?;
        Ok(qmp)
    }

    /// Sends `command` and returns its `return` value (events before it are skipped); a QMP
    /// `error` is an error.
    pub fn execute(&mut self, command: &Value) -> Result<Value> {
        let mut line = serde_json::to_string(command)?;
        line.push('\n');
        self.writer.write_all(line.as_bytes())?;
        loop {
            let reply = self.read()?;
            if let Some(value) = reply.get("return") {
                return Ok(value.clone());
            }
            if let Some(error) = reply.get("error") {
                bail!("{command}: {error}");
            }
        }
    }

    /// One JSON message.
    fn read(&mut self) -> Result<Value> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            bail!("qemu closed the QMP socket");
        }
        serde_json::from_str(&line).with_context(|| format!("QMP sent {line:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    #[test]
    fn console_lines_pick_the_commands() {
        let plug = Hotplug::unplug_and_replug("q.sock".into(), "snd", "usb-audio", &[("audiodev", "snd0")]);
        assert_eq!(
            plug.commands_for("soak: playback-run @@soak:unplug@@"),
            [json!({ "execute": "device_del", "arguments": { "id": "snd" } })]
        );
        assert_eq!(
            plug.commands_for("@@soak:replug@@"),
            [
                json!({ "execute": "device_add", "arguments": { "driver": "usb-audio", "id": "snd", "audiodev": "snd0" } })
            ]
        );
        assert!(plug.commands_for("soak: unplug").is_empty());
        assert_eq!(
            device_add("hda-duplex", "", &[("audiodev", "feed"), ("cad", "1")]),
            json!({ "execute": "device_add", "arguments": { "driver": "hda-duplex", "audiodev": "feed", "cad": 1 } })
        );
    }

    #[test]
    fn negotiates_then_skips_events_until_the_reply() {
        let dir = std::env::temp_dir().join(format!("qmp-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("qmp.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut out = stream;
            let mut got = Vec::new();
            out.write_all(b"{\"QMP\": {\"version\": {}}}\n").unwrap();
            for reply in [
                "{\"return\": {}}\n",
                "{\"event\": \"DEVICE_DELETED\"}\n{\"return\": {}}\n",
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such device\"}}\n",
            ] {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                got.push(line);
                out.write_all(reply.as_bytes()).unwrap();
            }
            got
        });
        let mut qmp = Qmp::connect(&socket).unwrap();
        let del = json!({ "execute": "device_del", "arguments": { "id": "snd" } });
        assert_eq!(qmp.execute(&del).unwrap(), json!({}));
        let err = qmp.execute(&del).unwrap_err().to_string();
        assert!(err.contains("no such device"), "{err}");
        let got = server.join().unwrap();
        assert!(got[0].contains("qmp_capabilities"), "{got:?}");
        assert!(got[1].contains("device_del"), "{got:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
