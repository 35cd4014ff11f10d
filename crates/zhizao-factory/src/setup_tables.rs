//! The set-up as tables a form edits: one table per section (sites, resources, the calendar,
//! planned maintenance, routings, change-overs, alarm codes), every cell text, read back into
//! the set-up with each problem named by its table row and column.
//!
//! Cells holding lists separate items with commas (`，` and `、` too, as a Chinese keyboard
//! types them); a period is `HH:MM-HH:MM`; a family's run time is `family=seconds`. A row left
//! blank is dropped, so a table grows by its blank rows and shrinks by clearing one. A routing is
//! one row per step; its process and lot size are given on its first step's row.

use zhizao_core::{FieldError, Text, closed_vocabulary};

use crate::setup::{
    AlarmReason, Calendar, Capability, Changeover, FamilyTime, LossParty, Maintenance, Period,
    Process, Resource, Routing, Setup, Site, Step,
};
use crate::tariff::ResourceClass;

closed_vocabulary! {
    /// A part of the set-up edited as one table.
    Section, "section" {
        /// The sub-centres.
        Sites => "sites", "场地", "Sites";
        /// Lines, cells and robots.
        Resources => "resources", "资源", "Resources";
        /// Workdays, shifts, breaks and holidays (one row).
        Calendar => "calendar", "工作日历", "Calendar";
        /// Planned maintenance.
        Maintenance => "maintenance", "计划维护", "Planned maintenance";
        /// Routings, one row per step.
        Routings => "routings", "工艺路线", "Routings";
        /// Change-over times.
        Changeovers => "changeovers", "换型时间", "Change-overs";
        /// What alarm codes mean.
        Alarms => "alarms", "报警代码", "Alarm codes";
    }
}

/// What a cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    /// Free text.
    Text,
    /// A whole number (blank where the column is optional).
    Number,
    /// Items separated by commas.
    List,
    /// One of these values, each with its label.
    Choice(Vec<(&'static str, Text)>),
}

/// One column of a section's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its key: the cell's field name and the set-up's field it edits.
    pub key: &'static str,
    /// Its heading.
    pub label: Text,
    /// What it holds.
    pub kind: ColumnKind,
}

/// One table row: a cell per column, in the columns' order.
pub type Row = Vec<String>;

/// A section read back from its table.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The set-up with the section replaced.
    pub setup: Setup,
    /// Which table row each of the section's items came from, by the item's set-up path
    /// (`resources[3]`, `routings[0].steps[2]`), so the set-up's own problems find their cell.
    rows: Vec<(String, usize)>,
}

fn column(key: &'static str, zh: &'static str, en: &'static str, kind: ColumnKind) -> Column {
    Column {
        key,
        label: Text::new(zh, en),
        kind,
    }
}

fn choices<T: Copy>(all: &[T], value: fn(T) -> &'static str, label: fn(T) -> Text) -> ColumnKind {
    ColumnKind::Choice(all.iter().map(|&v| (value(v), label(v))).collect())
}

fn classes() -> ColumnKind {
    choices(
        ResourceClass::ALL,
        ResourceClass::as_str,
        ResourceClass::label,
    )
}

fn list(items: impl IntoIterator<Item = impl ToString>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn periods(list: &[Period]) -> String {
    self::list(list.iter().map(|p| format!("{}-{}", p.start, p.end)))
}

fn optional(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl Section {
    /// Whether the section is one row (the calendar) rather than a list of rows.
    pub fn single(self) -> bool {
        self == Section::Calendar
    }

    /// The section's columns.
    pub fn columns(self) -> Vec<Column> {
        use ColumnKind::{List, Number, Text as Free};
        match self {
            Section::Sites => vec![
                column("code", "编码", "Code", Free),
                column("name", "名称", "Name", Free),
            ],
            Section::Resources => vec![
                column("code", "编码", "Code", Free),
                column("name", "名称", "Name", Free),
                column("class", "类型", "Class", classes()),
                column("site", "场地编码", "Site code", Free),
                column("line", "产线", "Line", Free),
                column("devices", "绑定设备", "Devices", List),
                column("families", "品类 / 面料", "Families or fabrics", List),
                column("materials", "材质", "Materials", List),
                column("finishes", "表面效果", "Finishes", List),
                column("max_part_mm", "最大零件 mm", "Largest part, mm", Number),
                column("max_weight_g", "最大重量 g", "Heaviest part, g", Number),
                column("max_width_mm", "最大幅宽 mm", "Widest fabric, mm", Number),
                column("max_ply_mm", "最高铺层 mm", "Highest lay, mm", Number),
            ],
            Section::Calendar => vec![
                column(
                    "workdays",
                    "工作日（1 周一 … 7 周日）",
                    "Workdays (1 Monday … 7 Sunday)",
                    List,
                ),
                column(
                    "shifts",
                    "班次（如 08:00-12:00, …）",
                    "Shifts (08:00-12:00, …)",
                    List,
                ),
                column(
                    "breaks",
                    "休息（如 12:00-13:00, …）",
                    "Breaks (12:00-13:00, …)",
                    List,
                ),
                column(
                    "holidays",
                    "节假日（如 2027-01-01, …）",
                    "Holidays (YYYY-MM-DD, …)",
                    List,
                ),
            ],
            Section::Maintenance => vec![
                column("resource", "资源编码", "Resource code", Free),
                column(
                    "start",
                    "开始（如 2026-12-08 08:00）",
                    "From (YYYY-MM-DD HH:MM)",
                    Free,
                ),
                column(
                    "end",
                    "结束（如 2026-12-08 12:00）",
                    "To (YYYY-MM-DD HH:MM)",
                    Free,
                ),
                column("note", "内容", "What is done", Free),
            ],
            Section::Routings => vec![
                column(
                    "process",
                    "工艺",
                    "Process",
                    choices(Process::ALL, Process::as_str, Process::label),
                ),
                column("lot_size", "每批件数", "Pieces per lot", Number),
                column("name", "工序", "Step", Free),
                column("class", "资源类型", "Resource class", classes()),
                column("seconds_per_piece", "秒/件", "Seconds per piece", Number),
                column(
                    "families",
                    "品类工时（品类=秒, …）",
                    "Family times (family=seconds, …)",
                    List,
                ),
            ],
            Section::Changeovers => vec![
                column("class", "资源类型", "Resource class", classes()),
                column(
                    "from",
                    "从品类（* 为任意）",
                    "From family (* for any)",
                    Free,
                ),
                column("to", "到品类（* 为任意）", "To family (* for any)", Free),
                column("minutes", "分钟", "Minutes", Number),
            ],
            Section::Alarms => vec![
                column("code", "报警代码", "Alarm code", Number),
                column("reason", "损失原因", "Loss reason", Free),
                column(
                    "party",
                    "责任方",
                    "Whose loss",
                    choices(LossParty::ALL, LossParty::as_str, LossParty::label),
                ),
            ],
        }
    }

    /// The section of `setup` as table rows.
    pub fn rows(self, setup: &Setup) -> Vec<Row> {
        match self {
            Section::Sites => setup
                .sites
                .iter()
                .map(|s| vec![s.code.clone(), s.name.clone()])
                .collect(),
            Section::Resources => setup
                .resources
                .iter()
                .map(|r| {
                    let c = &r.capability;
                    vec![
                        r.code.clone(),
                        r.name.clone(),
                        r.class.as_str().to_owned(),
                        r.site.clone(),
                        r.line.clone(),
                        list(&r.devices),
                        list(&c.families),
                        list(&c.materials),
                        list(&c.finishes),
                        optional(c.max_part_mm),
                        optional(c.max_weight_g),
                        optional(c.max_width_mm),
                        optional(c.max_ply_mm),
                    ]
                })
                .collect(),
            Section::Calendar => {
                let c = &setup.calendar;
                vec![vec![
                    list(&c.workdays),
                    periods(&c.shifts),
                    periods(&c.breaks),
                    list(&c.holidays),
                ]]
            }
            Section::Maintenance => setup
                .calendar
                .maintenance
                .iter()
                .map(|m| {
                    vec![
                        m.resource.clone(),
                        m.start.clone(),
                        m.end.clone(),
                        m.note.clone(),
                    ]
                })
                .collect(),
            Section::Routings => setup
                .routings
                .iter()
                .flat_map(|r| {
                    r.steps.iter().enumerate().map(move |(position, step)| {
                        let first = position == 0;
                        vec![
                            if first { r.process.as_str() } else { "" }.to_owned(),
                            if first {
                                r.lot_size.to_string()
                            } else {
                                String::new()
                            },
                            step.name.clone(),
                            step.class.as_str().to_owned(),
                            step.seconds_per_piece.to_string(),
                            list(
                                step.families
                                    .iter()
                                    .map(|f| format!("{}={}", f.family, f.seconds_per_piece)),
                            ),
                        ]
                    })
                })
                .collect(),
            Section::Changeovers => setup
                .changeovers
                .iter()
                .map(|c| {
                    vec![
                        c.class.as_str().to_owned(),
                        c.from.clone(),
                        c.to.clone(),
                        c.minutes.to_string(),
                    ]
                })
                .collect(),
            Section::Alarms => setup
                .alarms
                .iter()
                .map(|a| {
                    vec![
                        a.code.to_string(),
                        a.reason.clone(),
                        a.party.as_str().to_owned(),
                    ]
                })
                .collect(),
        }
    }

    /// `setup` with this section replaced by `rows` (blank rows dropped). A cell that cannot be
    /// read is named `{row}.{column}` (0-based row); nothing else of the set-up is checked here
    /// (see [`Setup::problems`] and [`Edited::locate`]).
    pub fn apply(self, setup: &Setup, rows: &[Row]) -> Result<Edited, Vec<FieldError>> {
        let columns = self.columns();
        let width = columns.len();
        let mut reader = Reader::default();
        let kept: Vec<(usize, Cells<'_>)> = rows
            .iter()
            .enumerate()
            .filter(|(_, row)| row.iter().any(|cell| !cell.trim().is_empty()))
            .map(|(index, row)| {
                if row.len() != width {
                    reader.fail(
                        index,
                        "",
                        "这一行的列数不对",
                        "the row has the wrong number of cells",
                    );
                }
                (
                    index,
                    Cells {
                        row,
                        index,
                        columns: &columns,
                    },
                )
            })
            .collect();
        if !reader.errors.is_empty() {
            return Err(reader.errors);
        }
        let mut edited = setup.clone();
        let mut placed = Vec::new();
        match self {
            Section::Sites => {
                edited.sites = kept
                    .iter()
                    .map(|(index, cells)| {
                        placed.push((format!("sites[{}]", placed.len()), *index));
                        Site {
                            code: cells.text("code"),
                            name: cells.text("name"),
                        }
                    })
                    .collect();
            }
            Section::Resources => {
                edited.resources = Vec::new();
                for (index, cells) in &kept {
                    let resource = Resource {
                        code: cells.text("code"),
                        name: cells.text("name"),
                        class: reader.choice(cells, "class", ResourceClass::Manual),
                        site: cells.text("site"),
                        line: cells.text("line"),
                        devices: cells.list("devices"),
                        capability: Capability {
                            families: cells.list("families"),
                            materials: cells.list("materials"),
                            finishes: cells.list("finishes"),
                            max_part_mm: reader.optional(cells, "max_part_mm"),
                            max_weight_g: reader.optional(cells, "max_weight_g"),
                            max_width_mm: reader.optional(cells, "max_width_mm"),
                            max_ply_mm: reader.optional(cells, "max_ply_mm"),
                        },
                    };
                    placed.push((format!("resources[{}]", edited.resources.len()), *index));
                    edited.resources.push(resource);
                }
            }
            Section::Calendar => {
                let Some((index, cells)) = kept.first() else {
                    reader.fail(0, "workdays", "请填写工作日历", "fill in the calendar");
                    return Err(reader.errors);
                };
                let workdays = cells
                    .list("workdays")
                    .iter()
                    .map(|day| day.parse::<u8>().unwrap_or(0))
                    .collect();
                edited.calendar = Calendar {
                    workdays,
                    shifts: reader.periods(cells, "shifts"),
                    breaks: reader.periods(cells, "breaks"),
                    holidays: cells.list("holidays"),
                    maintenance: setup.calendar.maintenance.clone(),
                };
                placed.push(("calendar".to_owned(), *index));
            }
            Section::Maintenance => {
                edited.calendar.maintenance = kept
                    .iter()
                    .enumerate()
                    .map(|(at, (index, cells))| {
                        placed.push((format!("calendar.maintenance[{at}]"), *index));
                        Maintenance {
                            resource: cells.text("resource"),
                            start: cells.text("start"),
                            end: cells.text("end"),
                            note: cells.text("note"),
                        }
                    })
                    .collect();
            }
            Section::Routings => edited.routings = routings(&kept, &mut reader, &mut placed),
            Section::Changeovers => {
                edited.changeovers = Vec::new();
                for (index, cells) in &kept {
                    let changeover = Changeover {
                        class: reader.choice(cells, "class", ResourceClass::Manual),
                        from: cells.text("from"),
                        to: cells.text("to"),
                        minutes: reader.number(cells, "minutes"),
                    };
                    placed.push((format!("changeovers[{}]", edited.changeovers.len()), *index));
                    edited.changeovers.push(changeover);
                }
            }
            Section::Alarms => {
                edited.alarms = Vec::new();
                for (index, cells) in &kept {
                    let alarm = AlarmReason {
                        code: reader.number(cells, "code"),
                        reason: cells.text("reason"),
                        party: reader.choice(cells, "party", LossParty::Plant),
                    };
                    placed.push((format!("alarms[{}]", edited.alarms.len()), *index));
                    edited.alarms.push(alarm);
                }
            }
        }
        if reader.errors.is_empty() {
            Ok(Edited {
                setup: edited,
                rows: placed,
            })
        } else {
            Err(reader.errors)
        }
    }
}

/// Routings from step rows: a row naming a process starts its routing, the rows after it are
/// its further steps.
fn routings(
    kept: &[(usize, Cells<'_>)],
    reader: &mut Reader,
    placed: &mut Vec<(String, usize)>,
) -> Vec<Routing> {
    let mut routings: Vec<Routing> = Vec::new();
    for (index, cells) in kept {
        if !cells.text("process").is_empty() {
            placed.push((format!("routings[{}]", routings.len()), *index));
            routings.push(Routing {
                process: reader.choice(cells, "process", Process::Cutting),
                lot_size: reader.number(cells, "lot_size"),
                steps: Vec::new(),
            });
        } else if !cells.text("lot_size").is_empty() {
            reader.fail(
                *index,
                "lot_size",
                "每批件数写在工艺的第一道工序一行",
                "the lot size goes on the process's first step",
            );
        }
        let number = routings.len().saturating_sub(1);
        let Some(routing) = routings.last_mut() else {
            reader.fail(
                *index,
                "process",
                "第一行须选择工艺",
                "the first row names the process",
            );
            continue;
        };
        let mut families = Vec::new();
        for item in cells.list("families") {
            match item
                .split_once('=')
                .map(|(f, s)| (f.trim(), s.trim().parse::<i64>()))
            {
                Some((family, Ok(seconds))) if !family.is_empty() => families.push(FamilyTime {
                    family: family.to_owned(),
                    seconds_per_piece: seconds,
                }),
                _ => reader.fail(
                    *index,
                    "families",
                    &format!("“{item}”应写作 品类=秒"),
                    &format!("{item:?} should read family=seconds"),
                ),
            }
        }
        let step = Step {
            name: cells.text("name"),
            class: reader.choice(cells, "class", ResourceClass::Manual),
            seconds_per_piece: reader.number(cells, "seconds_per_piece"),
            families,
        };
        placed.push((
            format!("routings[{}].steps[{}]", number, routing.steps.len()),
            *index,
        ));
        routing.steps.push(step);
    }
    routings
}

/// A row's cells by column key.
struct Cells<'a> {
    row: &'a [String],
    index: usize,
    columns: &'a [Column],
}

impl Cells<'_> {
    fn cell(&self, key: &str) -> &str {
        self.columns
            .iter()
            .position(|c| c.key == key)
            .and_then(|at| self.row.get(at))
            .map_or("", |cell| cell.trim())
    }

    fn text(&self, key: &str) -> String {
        self.cell(key).to_owned()
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.cell(key)
            .split([',', '，', '、', '\n'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Reads typed cells, collecting what cannot be read.
#[derive(Default)]
struct Reader {
    errors: Vec<FieldError>,
}

impl Reader {
    fn fail(&mut self, row: usize, key: &str, zh: &str, en: &str) {
        let field = if key.is_empty() {
            row.to_string()
        } else {
            format!("{row}.{key}")
        };
        self.errors.push(FieldError::new(
            field,
            Text::owned(zh.to_owned(), en.to_owned()),
        ));
    }

    fn number(&mut self, cells: &Cells<'_>, key: &str) -> i64 {
        let text = cells.cell(key);
        text.parse().unwrap_or_else(|_| {
            self.fail(
                cells.index,
                key,
                &format!("“{text}”不是整数"),
                &format!("{text:?} is not a whole number"),
            );
            0
        })
    }

    fn optional(&mut self, cells: &Cells<'_>, key: &str) -> Option<i64> {
        (!cells.cell(key).is_empty()).then(|| self.number(cells, key))
    }

    /// The choice in the cell; what cannot be read is named and `fallback` stands in for it.
    fn choice<T: std::str::FromStr>(&mut self, cells: &Cells<'_>, key: &str, fallback: T) -> T {
        let text = cells.cell(key);
        text.parse().unwrap_or_else(|_| {
            self.fail(
                cells.index,
                key,
                &format!("请选择（“{text}”不在可选项中）"),
                &format!("choose one ({text:?} is not a choice)"),
            );
            fallback
        })
    }

    fn periods(&mut self, cells: &Cells<'_>, key: &str) -> Vec<Period> {
        let mut periods = Vec::new();
        for item in cells.list(key) {
            match item.split_once(['-', '–', '~']) {
                Some((start, end)) => periods.push(Period {
                    start: start.trim().to_owned(),
                    end: end.trim().to_owned(),
                }),
                None => self.fail(
                    cells.index,
                    key,
                    &format!("“{item}”应写作 HH:MM-HH:MM"),
                    &format!("{item:?} should read HH:MM-HH:MM"),
                ),
            }
        }
        periods
    }
}

impl Edited {
    /// Where a problem of the edited set-up sits in the table: `{row}.{column}` or `{row}` for
    /// the whole row, when it belongs to an item of the section; `None` when it is elsewhere
    /// (the edit broke another section, e.g. a removed site a resource still names).
    pub fn locate(&self, section: Section, path: &str) -> Option<String> {
        let (prefix, row) = self
            .rows
            .iter()
            .filter(|(prefix, _)| {
                path.strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
            .max_by_key(|(prefix, _)| prefix.len())?;
        let rest = &path[prefix.len()..];
        if rest.is_empty() {
            return Some(row.to_string());
        }
        let columns = section.columns();
        rest.split('.')
            .rev()
            .map(|segment| segment.split('[').next().unwrap_or(segment))
            .find(|segment| columns.iter().any(|c| c.key == *segment))
            .map(|key| format!("{row}.{key}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test set-up, with an alarm code so that every section has rows.
    fn demo() -> Setup {
        let mut setup: Setup =
            serde_json::from_str(include_str!("../tests/data/polishing-setup.json")).unwrap();
        setup.alarms.push(AlarmReason {
            code: 17,
            reason: "来料尺寸不符".to_owned(),
            party: LossParty::Client,
        });
        setup
    }

    #[test]
    fn every_section_reads_back_as_it_was_written() {
        let setup = demo();
        for &section in Section::ALL {
            let rows = section.rows(&setup);
            assert!(
                !rows.is_empty(),
                "{section}: the test set-up fills every section"
            );
            let mut padded = rows.clone();
            padded.push(vec![String::new(); section.columns().len()]);
            let edited = section.apply(&setup, &padded).expect("reads back");
            assert_eq!(edited.setup, setup, "{section}");
        }
    }

    /// (section, row index, column key, cell, the error's field)
    const BAD_CELLS: &[(Section, usize, &str, &str, &str)] = &[
        (Section::Resources, 1, "class", "laser", "1.class"),
        (Section::Resources, 0, "max_part_mm", "big", "0.max_part_mm"),
        (Section::Calendar, 0, "shifts", "08:00", "0.shifts"),
        (Section::Routings, 0, "families", "denim:40", "0.families"),
        (Section::Routings, 1, "lot_size", "9", "1.lot_size"),
        (Section::Changeovers, 0, "minutes", "ten", "0.minutes"),
        (Section::Alarms, 0, "party", "nobody", "0.party"),
    ];

    #[test]
    fn a_cell_that_cannot_be_read_is_named_by_row_and_column() {
        let setup = demo();
        for &(section, row, key, cell, field) in BAD_CELLS {
            let mut rows = section.rows(&setup);
            let at = section.columns().iter().position(|c| c.key == key).unwrap();
            rows[row][at] = cell.to_owned();
            let errors = section.apply(&setup, &rows).expect_err(field);
            assert_eq!(errors[0].field, field, "{section} {key} {cell:?}");
        }
    }

    /// (section, row, column key, cell, where the set-up's problem lands)
    const PROBLEMS: &[(Section, usize, &str, &str, Option<&str>)] = &[
        (Section::Resources, 2, "site", "nowhere", Some("2.site")),
        (Section::Resources, 1, "code", "", Some("1")),
        (Section::Calendar, 0, "workdays", "1, 9", Some("0.workdays")),
        (
            Section::Calendar,
            0,
            "holidays",
            "2026-13-01",
            Some("0.holidays"),
        ),
        (
            Section::Routings,
            1,
            "seconds_per_piece",
            "-1",
            Some("1.seconds_per_piece"),
        ),
        (Section::Routings, 0, "lot_size", "0", Some("0.lot_size")),
        (Section::Changeovers, 0, "from", "", Some("0.from")),
        (Section::Sites, 0, "code", "other", None),
    ];

    #[test]
    fn the_set_ups_own_problems_find_their_cell() {
        let setup = demo();
        for &(section, row, key, cell, expected) in PROBLEMS {
            let mut rows = section.rows(&setup);
            let at = section.columns().iter().position(|c| c.key == key).unwrap();
            rows[row][at] = cell.to_owned();
            let edited = section.apply(&setup, &rows).expect("cells read");
            let problems = edited.setup.problems();
            assert!(
                !problems.is_empty(),
                "{section} {key} {cell:?} is a problem"
            );
            let located = problems
                .iter()
                .find_map(|p| edited.locate(section, &p.field));
            assert_eq!(
                located.as_deref(),
                expected,
                "{section} {key} {cell:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn blank_rows_are_dropped_and_rows_keep_their_numbers() {
        let setup = demo();
        let mut rows = Section::Sites.rows(&setup);
        rows.insert(0, vec![String::new(), " ".to_owned()]);
        rows.push(vec!["S9".to_owned(), String::new()]);
        let edited = Section::Sites.apply(&setup, &rows).unwrap();
        assert_eq!(edited.setup.sites.len(), setup.sites.len() + 1);
        let problems = edited.setup.problems();
        let last = rows.len() - 1;
        assert_eq!(
            problems
                .iter()
                .find_map(|p| edited.locate(Section::Sites, &p.field)),
            Some(last.to_string()),
            "{problems:?}"
        );
    }
}
