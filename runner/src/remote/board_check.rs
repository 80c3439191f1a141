//! What the runner learns about a board before it runs anything there: who logs in, the
//! kernel, the cards, whether the loopback card is there (or was loaded), and which processes
//! hold the sound devices. A POSIX shell script prints `key=value` lines; [`Facts::parse`]
//! reads them.

use std::collections::BTreeMap;

/// The script: run with `sh -s` on the board. With root it loads snd-aloop when it is missing
/// (and says so); it changes nothing else.
pub const SCRIPT: &str = r#"
echo "uid=$(id -u)"
echo "groups=$(id -Gn 2>/dev/null)"
echo "kernel=$(uname -r)"
echo "machine=$(uname -m)"
for c in /proc/asound/card[0-9]*; do
    [ -r "$c/id" ] && echo "card=${c#/proc/asound/card} $(cat "$c/id")"
done
if [ -e /proc/asound/Loopback ]; then
    echo "loopback=present"
elif [ "$(id -u)" = 0 ] && modprobe snd-aloop 2>/dev/null; then
    i=0; while [ ! -e /proc/asound/Loopback ] && [ $i -lt 50 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done
    if [ -e /proc/asound/Loopback ]; then echo "loopback=loaded"; else echo "loopback=absent"; fi
elif modinfo snd-aloop >/dev/null 2>&1; then
    echo "loopback=loadable"
else
    echo "loopback=absent"
fi
for n in /dev/snd/controlC* /dev/snd/pcmC*; do
    [ -e "$n" ] || continue
    if [ -r "$n" ] && [ -w "$n" ]; then echo "node=$n ok"; else echo "node=$n denied"; fi
done
for p in /proc/[0-9]*; do
    for fd in "$p"/fd/*; do
        l=$(readlink "$fd" 2>/dev/null) || continue
        case "$l" in /dev/snd/pcmC*) echo "holder=$l ${p#/proc/} $(cat "$p/comm" 2>/dev/null)";; esac
    done
done 2>/dev/null
echo "end=1"
"#;

/// The loopback card's state on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loopback {
    /// It was there already.
    Present,
    /// The script loaded it (as root).
    Loaded,
    /// The module exists but the user may not load it.
    Loadable,
    /// No snd-aloop module.
    Absent,
}

/// A process holding a PCM device node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The device node, e.g. `/dev/snd/pcmC0D0p`.
    pub node: String,
    /// Its process id.
    pub pid: u32,
    /// Its name (`/proc/PID/comm`), e.g. `pipewire`.
    pub name: String,
}

/// What the script found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The login's user id.
    pub uid: u32,
    /// Its groups, by name.
    pub groups: Vec<String>,
    /// `uname -r`.
    pub kernel: String,
    /// `uname -m`.
    pub machine: String,
    /// Cards: number → id.
    pub cards: BTreeMap<u32, String>,
    /// The loopback card.
    pub loopback: Loopback,
    /// Sound device nodes the user may not open.
    pub denied: Vec<String>,
    /// Processes holding PCM nodes (those the user may see).
    pub holders: Vec<Holder>,
}

impl Facts {
    /// Reads the script's output; None when it did not finish (no `end=1`).
    pub fn parse(text: &str) -> Option<Facts> {
        let mut facts = Facts {
            uid: u32::MAX,
            groups: Vec::new(),
            kernel: String::new(),
            machine: String::new(),
            cards: BTreeMap::new(),
            loopback: Loopback::Absent,
            denied: Vec::new(),
            holders: Vec::new(),
        };
        let mut ended = false;
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key {
                "uid" => facts.uid = value.trim().parse().ok()?,
                "groups" => facts.groups = value.split_whitespace().map(str::to_owned).collect(),
                "kernel" => facts.kernel = value.trim().to_owned(),
                "machine" => facts.machine = value.trim().to_owned(),
                "card" => {
                    let (index, id) = value.split_once(' ')?;
                    facts.cards.insert(index.parse().ok()?, id.trim().to_owned());
                }
                "loopback" => {
                    facts.loopback = match value.trim() {
                        "present" => Loopback::Present,
                        "loaded" => Loopback::Loaded,
                        "loadable" => Loopback::Loadable,
                        _ => Loopback::Absent,
                    }
                }
                "node" => {
                    if let Some(node) = value.strip_suffix(" denied") {
                        facts.denied.push(node.to_owned());
                    }
                }
                "holder" => {
                    let mut words = value.splitn(3, ' ');
                    let (Some(node), Some(pid), name) = (words.next(), words.next(), words.next()) else {
                        continue;
                    };
                    if let Ok(pid) = pid.parse() {
                        facts.holders.push(Holder {
                            node: node.to_owned(),
                            pid,
                            name: name.unwrap_or("?").trim().to_owned(),
                        });
                    }
                }
                "end" => ended = true,
                _ => {}
            }
        }
        (ended && facts.uid != u32::MAX).then_some(facts)
    }

    /// The card a device name like `hw:Headphones,0` or `hw:1,0` names, if the board has it.
    pub fn card_of(&self, device: &str) -> Option<u32> {
        let card = device.strip_prefix("hw:")?.split(',').next()?;
        match card.parse::<u32>() {
            Ok(index) => self.cards.contains_key(&index).then_some(index),
            Err(_) => self
                .cards
                .iter()
                .find(|(_, id)| id.as_str() == card)
                .map(|(&i, _)| i),
        }
    }

    /// Why this login cannot use the sound devices, with what to do; None when it can.
    pub fn access_problem(&self) -> Option<String> {
        if self.uid == 0 || self.groups.iter().any(|g| g == "audio") || self.denied.is_empty() {
            return None;
        }
        Some(format!(
            "the user (uid {}) is not in the `audio` group and may not open {}: on the board, \
             sudo usermod -aG audio $USER, then log in again (or use root@)",
            self.uid,
            self.denied.join(", ")
        ))
    }

    /// Who holds a PCM node of `card`, as `name (pid N) on NODE`, joined; None when nobody
    /// this login can see does.
    pub fn busy(&self, card: u32) -> Option<String> {
        let prefix = format!("/dev/snd/pcmC{card}D");
        let held: Vec<String> = self
            .holders
            .iter()
            .filter(|h| h.node.starts_with(&prefix))
            .map(|h| format!("{} (pid {}) on {}", h.name, h.pid, h.node))
            .collect();
        if held.is_empty() {
            return None;
        }
        let sound_server = self.holders.iter().any(|h| {
            ["pipewire", "wireplumber", "pulseaudio"]
                .iter()
                .any(|s| h.name.starts_with(s))
        });
        let advice = if sound_server {
            "stop the sound server for the test (systemctl --user stop pipewire pipewire-pulse wireplumber pipewire.socket pipewire-pulse.socket, or pulseaudio --kill)"
        } else {
            "stop it for the test"
        };
        Some(format!("the card is busy: {}; {advice}", held.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PI: &str = "uid=1000\ngroups=pi adm audio video\nkernel=6.6.31+rpt-rpi-v8\nmachine=aarch64\n\
card=0 Headphones\ncard=1 vc4hdmi0\nloopback=loadable\nnode=/dev/snd/controlC0 ok\n\
node=/dev/snd/pcmC0D0p ok\nholder=/dev/snd/pcmC0D0p 812 pipewire\nholder=/dev/snd/pcmC1D0p 812 pipewire\nend=1\n";

    #[test]
    fn reads_the_scripts_lines() {
        let facts = Facts::parse(PI).unwrap();
        assert_eq!((facts.uid, facts.machine.as_str()), (1000, "aarch64"));
        assert_eq!(facts.cards[&0], "Headphones");
        assert_eq!(facts.loopback, Loopback::Loadable);
        assert_eq!(facts.card_of("hw:Headphones,0"), Some(0));
        assert_eq!(facts.card_of("hw:1,0"), Some(1));
        assert_eq!(facts.card_of("hw:2,0"), None);
        assert_eq!(facts.card_of("hw:Loopback,0,0"), None);
        assert_eq!(facts.access_problem(), None);
        let busy = facts.busy(0).unwrap();
        assert!(busy.contains("pipewire (pid 812) on /dev/snd/pcmC0D0p"), "{busy}");
        assert!(busy.contains("systemctl --user stop pipewire"), "{busy}");
        assert_eq!(
            Facts::parse("uid=0\n"),
            None,
            "no end line: the script did not finish"
        );
    }

    #[test]
    fn the_script_runs_in_a_posix_shell_here() {
        use std::io::Write;
        let mut child = std::process::Command::new("sh")
            .arg("-s")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Never load a module on the machine running the tests.
        let script = SCRIPT.replace("modprobe snd-aloop", "false");
        assert_ne!(script, SCRIPT);
        child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let facts = Facts::parse(&text).expect(&text);
        let id = std::process::Command::new("id").arg("-u").output().unwrap();
        assert_eq!(facts.uid.to_string(), String::from_utf8_lossy(&id.stdout).trim());
        assert!(!facts.kernel.is_empty() && !facts.machine.is_empty(), "{text}");
    }

    #[test]
    fn a_user_outside_the_audio_group_is_told_what_to_do() {
        let text = "uid=1001\ngroups=bob\nnode=/dev/snd/pcmC0D0p denied\nend=1\n";
        let facts = Facts::parse(text).unwrap();
        let why = facts.access_problem().unwrap();
        assert!(why.contains("usermod -aG audio"), "{why}");
        assert!(why.contains("/dev/snd/pcmC0D0p"), "{why}");
        assert_eq!(
            Facts::parse("uid=0\nnode=/dev/snd/pcmC0D0p denied\nend=1\n")
                .unwrap()
                .access_problem(),
            None
        );
    }
}
