//! Classes on the wire: what a teacher opens (`NewClass`), what the lab says back (`ClassView`),
//! what a learner joins with (`JoinClass`) and sees of their class (`MyClass`), and the teacher's
//! grid (`Grid`), whose cells read the same on the page and in the CSV export (`Grid::csv`).

use super::{AuditEvent, ChallengeId};
use serde::{Deserialize, Serialize};

/// A class's switches, as the teacher sets them when opening it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSwitches {
    /// Members may ask for hints.
    pub hints: bool,
    /// After the last hint, members may see the worked solution.
    pub solutions: bool,
    /// Members may run the scale lab (three server processes a run).
    pub scale_lab: bool,
    /// The access-token lifetime for the class's demos (within `ACCESS_TTL_RANGE`); a member's
    /// own shorter choice still wins. `None`: the server's default.
    #[serde(default)]
    pub access_ttl_secs: Option<u64>,
    /// When the class closes, its members' accounts expire and are deleted.
    pub expire_accounts: bool,
}

impl Default for ClassSwitches {
    fn default() -> Self {
        ClassSwitches {
            hints: true,
            solutions: true,
            scale_lab: true,
            access_ttl_secs: None,
            expire_accounts: false,
        }
    }
}

/// The most characters of a class's name.
pub const CLASS_NAME_MAX_CHARS: usize = 80;

/// `POST /api/classes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClass {
    pub name: String,
    /// When joining stops (Unix seconds); the class closes then.
    pub ends_at: i64,
    pub switches: ClassSwitches,
}

/// One class, as its teacher (or an administrator) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassView {
    pub id: i64,
    pub name: String,
    pub teacher: String,
    /// The join code (`CODE_LEN` characters of `CODE_ALPHABET`).
    pub code: String,
    /// The join link's path: a page that asks before it joins (`/account?join=…`).
    pub join_path: String,
    pub created_at: i64,
    pub ends_at: i64,
    /// Closed by hand or at its end: nobody joins any more.
    pub closed: bool,
    pub switches: ClassSwitches,
    pub members: usize,
}

/// `POST /api/classes/join` (and the optional field of a registration).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinClass {
    pub code: String,
}

/// The learner's class, as the learner sees it (`GET /api/account/class`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyClass {
    pub name: String,
    pub teacher: String,
    pub joined_at_ms: i64,
    pub ends_at: i64,
    pub closed: bool,
    pub switches: ClassSwitches,
}

/// What joining shares, said before the learner joins (the page and the API's docs).
pub const JOINING_SHARES: &str = "Your teacher will see your lab activity from now on: which \
    challenges you solve and when, the hints you use, and your account's audit trail from the \
    moment you join (nothing from before). Joining starts your challenge progress afresh for the \
    class; export it first if you want to keep it. You can be in one class at a time.";

/// One learner's standing on one challenge in the teacher's grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridCell {
    /// When it was solved (Unix ms), if it was.
    pub solved_at_ms: Option<i64>,
    pub hints_used: u8,
}

/// One learner's row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRow {
    pub username: String,
    pub joined_at_ms: i64,
    /// Solve times count from here: the later of joining and the learner's last reset.
    pub since_ms: i64,
    /// One per `Grid::challenges`, in that order.
    pub cells: Vec<GridCell>,
}

impl GridRow {
    /// The cell of `id`, if the grid has that column.
    pub fn cell(&self, columns: &[ChallengeId], id: ChallengeId) -> Option<&GridCell> {
        columns
            .iter()
            .position(|c| *c == id)
            .and_then(|i| self.cells.get(i))
    }

    pub fn solved(&self) -> usize {
        self.cells
            .iter()
            .filter(|c| c.solved_at_ms.is_some())
            .count()
    }

    /// The text of one cell, on the page and in the CSV alike.
    pub fn cell_text(&self, cell: &GridCell) -> String {
        let hints = match cell.hints_used {
            0 => String::new(),
            1 => "1 hint".to_string(),
            n => format!("{n} hints"),
        };
        match cell.solved_at_ms {
            Some(at) => {
                let took = duration_text((at - self.since_ms).max(0) / 1000);
                if hints.is_empty() {
                    format!("solved in {took}")
                } else {
                    format!("solved in {took}, {hints}")
                }
            }
            None => hints,
        }
    }
}

/// `GET /api/classes/{id}/grid`: learners × challenges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    pub class: ClassView,
    pub challenges: Vec<ChallengeId>,
    pub learners: Vec<GridRow>,
    /// A digest of what this grid shows: `?wait=<version>` answers once the grid differs.
    pub version: String,
}

/// The CSV's first two columns.
pub const GRID_LEAD_COLUMNS: [&str; 2] = ["learner", "joined (UTC)"];

impl Grid {
    /// Every row of the grid as text, header first: what the page shows and the CSV holds.
    pub fn table(&self) -> Vec<Vec<String>> {
        let header = GRID_LEAD_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .chain(self.challenges.iter().map(|c| c.as_str().to_string()))
            .collect();
        std::iter::once(header)
            .chain(self.learners.iter().map(|row| {
                [row.username.clone(), utc_text(row.joined_at_ms / 1000)]
                    .into_iter()
                    .chain(row.cells.iter().map(|cell| row.cell_text(cell)))
                    .collect()
            }))
            .collect()
    }

    /// The grid as CSV (RFC 4180), each cell that a spreadsheet would run as a formula escaped.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        for row in self.table() {
            let line: Vec<String> = row.iter().map(|cell| csv_cell(cell)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// One CSV cell. A cell beginning with `=`, `+`, `-` or `@` (or a tab or carriage return) would
/// run as a formula when the file is opened in a spreadsheet (CSV injection: a learner named
/// `-2+3` or a class named `=HYPERLINK(…)`): it is prefixed with `'`, which spreadsheets show as
/// text. Then quoted if it holds a comma, a quote or a line break.
pub fn csv_cell(text: &str) -> String {
    let escaped = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if escaped.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", escaped.replace('"', "\"\""))
    } else {
        escaped
    }
}

/// `GET /api/classes/{id}/learners/{username}`: one learner's trail within the class, from the
/// moment they joined only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    pub username: String,
    pub joined_at_ms: i64,
    /// The learner's own audit rows since joining, newest last (at most `TRAIL_ROWS`).
    pub events: Vec<AuditEvent>,
    pub row: GridRow,
}

/// The most audit rows a trail shows.
pub const TRAIL_ROWS: i64 = 200;

/// The audit action filed under a learner their teacher reset (the learner's page watches for it).
pub const TEACHER_RESET: &str = "reset by your teacher";

/// What a teacher's reset did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassReset {
    pub learners: usize,
    pub sessions_ended: usize,
    pub refresh_families_revoked: u64,
}

/// Join codes: `CODE_LEN` characters of Crockford's base 32 (no I, L, O or U), 5 bits each: 40
/// bits, drawn by the server from the OS's CSPRNG.
pub const CODE_LEN: usize = 8;
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A code as typed (any case, with spaces or dashes, `O` for zero, `I` or `L` for one) in its one
/// stored form; `None` if it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    if typed.len() > 4 * CODE_LEN {
        return None;
    }
    let mut code = String::with_capacity(CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        code.push(c);
    }
    (code.len() == CODE_LEN).then_some(code)
}

/// `1h02m05s`, `12m05s`, `42s`.
pub fn duration_text(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// `2026-12-07 22:40 UTC` for a Unix second: the same text in the browser and in the CSV.
pub fn utc_text(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_date(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01: years of 400 (146,097 days)
/// repeat exactly, so the day is placed in its era, then its year of the era counting from
/// March (so the leap day falls last), then its month.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // 0000-03-01 is day 0
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_the_way_people_type_them() {
        assert_eq!(normalize_code("abcd-efgh").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normalize_code(" o1lI 2345 ").as_deref(), Some("01112345"));
        assert_eq!(normalize_code("ABCDEFG"), None);
        assert_eq!(normalize_code("ABCDEFGHJ"), None);
        assert_eq!(normalize_code("ABCDEFGU"), None);
        assert_eq!(normalize_code("ABCDÉFGH"), None);
        assert_eq!(normalize_code(&"-".repeat(10_000)), None);
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_escaped() {
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("solved in 3s, 1 hint"), "\"solved in 3s, 1 hint\"");
        assert_eq!(csv_cell("bob"), "bob");
    }

    #[test]
    fn dates_and_durations_read_plainly() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_text(1_796_684_400), "2026-12-07 23:00 UTC");
        assert_eq!(duration_text(42), "42s");
        assert_eq!(duration_text(725), "12m05s");
        assert_eq!(duration_text(3725), "1h02m05s");
    }

    #[test]
    fn the_csv_holds_the_grid_cell_for_cell() {
        let row = GridRow {
            username: "-dash".into(),
            joined_at_ms: 0,
            since_ms: 1_000,
            cells: vec![
                GridCell {
                    solved_at_ms: Some(63_000),
                    hints_used: 2,
                },
                GridCell {
                    solved_at_ms: None,
                    hints_used: 0,
                },
            ],
        };
        assert_eq!(row.cell_text(&row.cells[0]), "solved in 1m02s, 2 hints");
        let grid = Grid {
            class: ClassView {
                id: 1,
                name: "c".into(),
                teacher: "t".into(),
                code: "ABCDEFGH".into(),
                join_path: "/account?join=ABCDEFGH".into(),
                created_at: 0,
                ends_at: 0,
                closed: false,
                switches: ClassSwitches::default(),
                members: 1,
            },
            challenges: vec![ChallengeId::ALL[0], ChallengeId::ALL[1]],
            learners: vec![row],
            version: String::new(),
        };
        let csv = grid.csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("learner,joined (UTC),"), "{csv}");
        assert_eq!(
            lines[1],
            "'-dash,1970-01-01 00:00 UTC,\"solved in 1m02s, 2 hints\","
        );
    }
}
