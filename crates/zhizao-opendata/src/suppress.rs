//! Statistical disclosure control for published cells: a cell counted from fewer enterprises
//! than the threshold is suppressed (primary suppression), and where a year's row would then
//! hold a single suppressed town beside a published total, the next smallest town is suppressed
//! too (complementary suppression), so no suppressed value can be got back by subtraction.

use serde::Serialize;

/// One cell as counted: a value in one year (none for undated records) and one town (none: the
/// whole city), and how many distinct enterprises it was counted from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The year, if the records are dated.
    pub year: Option<i32>,
    /// The town's code; `None` is the whole city.
    pub town: Option<String>,
    /// The value.
    pub value: i64,
    /// Distinct enterprises behind the value.
    pub enterprises: i64,
}

/// One cell as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    /// The year, if the records are dated.
    pub year: Option<i32>,
    /// The town's code; `None` is the whole city.
    pub town: Option<String>,
    /// The value, or `None` where it is suppressed.
    pub value: Option<i64>,
}

/// Why a cell is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Shown,
    /// Too few enterprises behind it.
    Primary,
    /// Withheld so that a primary one cannot be derived.
    Complementary,
}

/// `cells` as published with at least `minimum` enterprises behind every shown value other
/// than zero (a zero counted from no enterprise discloses nothing). Order is kept.
pub fn suppress(cells: &[Cell], minimum: i64) -> Vec<Published> {
    let mut marks: Vec<Mark> = cells
        .iter()
        .map(|c| {
            if c.enterprises > 0 && c.enterprises < minimum {
                Mark::Primary
            } else {
                Mark::Shown
            }
        })
        .collect();
    let mut years: Vec<Option<i32>> = cells.iter().map(|c| c.year).collect();
    years.sort_unstable();
    years.dedup();
    for year in years {
        let row: Vec<usize> = (0..cells.len())
            .filter(|&i| cells[i].year == year && cells[i].town.is_some())
            .collect();
        let total_shown = (0..cells.len())
            .any(|i| cells[i].year == year && cells[i].town.is_none() && marks[i] == Mark::Shown);
        let withheld = row.iter().filter(|&&i| marks[i] != Mark::Shown).count();
        if total_shown && withheld == 1 {
            // The smallest shown town with records behind it, else the smallest shown at all.
            let partner = row
                .iter()
                .copied()
                .filter(|&i| marks[i] == Mark::Shown)
                .min_by_key(|&i| (cells[i].enterprises == 0, cells[i].value, i));
            match partner {
                Some(i) => marks[i] = Mark::Complementary,
                // A row of one town: the total would give it away.
                None => {
                    for i in 0..cells.len() {
                        if cells[i].year == year && cells[i].town.is_none() {
                            marks[i] = Mark::Complementary;
                        }
                    }
                }
            }
        }
    }
    cells
        .iter()
        .zip(marks)
        .map(|(c, mark)| Published {
            year: c.year,
            town: c.town.clone(),
            value: (mark == Mark::Shown).then_some(c.value),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (town or "" for the city, value, enterprises) of one year, and the values published.
    type Case = (&'static [(&'static str, i64, i64)], &'static [Option<i64>]);
    const CASES: &[Case] = &[
        // Nothing small: all shown.
        (
            &[("", 90, 30), ("a", 50, 20), ("b", 40, 10)],
            &[Some(90), Some(50), Some(40)],
        ),
        // One small town beside a total: it and the next smallest town (c, not the zero d) go.
        (
            &[
                ("", 100, 23),
                ("a", 60, 12),
                ("b", 7, 2),
                ("c", 33, 9),
                ("d", 0, 0),
            ],
            &[Some(100), Some(60), None, None, Some(0)],
        ),
        // Two small towns protect each other.
        (
            &[("", 100, 24), ("a", 90, 20), ("b", 6, 2), ("c", 4, 2)],
            &[Some(100), Some(90), None, None],
        ),
        // A small total: every town under it is small too, the total goes with them.
        (&[("", 5, 2), ("a", 5, 2)], &[None, None]),
        // A small total among zeros: the zero town stays shown.
        (
            &[("", 5, 2), ("a", 5, 2), ("b", 0, 0)],
            &[None, None, Some(0)],
        ),
        // A single small town and no other to pair with: the total would give it away.
        (&[("", 12, 3), ("a", 2, 1)], &[None, None]),
        // A zero from no enterprise is shown; a zero-valued sum over two enterprises is not.
        (
            &[("", 0, 2), ("a", 0, 2), ("b", 0, 0)],
            &[None, None, Some(0)],
        ),
    ];

    #[test]
    fn small_cells_are_suppressed_and_cannot_be_derived() {
        for (n, (row, expected)) in CASES.iter().enumerate() {
            let cells: Vec<Cell> = row
                .iter()
                .map(|(town, value, enterprises)| Cell {
                    year: Some(2024),
                    town: (!town.is_empty()).then(|| (*town).to_owned()),
                    value: *value,
                    enterprises: *enterprises,
                })
                .collect();
            let got: Vec<Option<i64>> = suppress(&cells, 3).into_iter().map(|p| p.value).collect();
            assert_eq!(got, *expected, "case {n}");
        }
    }

    #[test]
    fn years_are_protected_each_on_its_own() {
        let cell = |year, town: Option<&str>, value, enterprises| Cell {
            year: Some(year),
            town: town.map(str::to_owned),
            value,
            enterprises,
        };
        let cells = vec![
            cell(2023, None, 50, 10),
            cell(2023, Some("a"), 48, 9),
            cell(2023, Some("b"), 2, 1),
            cell(2024, None, 50, 10),
            cell(2024, Some("a"), 25, 5),
            cell(2024, Some("b"), 25, 5),
        ];
        let got: Vec<Option<i64>> = suppress(&cells, 3).into_iter().map(|p| p.value).collect();
        // 2023: b is small, a is its complement (the total stays); 2024 untouched.
        assert_eq!(got, [Some(50), None, None, Some(50), Some(25), Some(25)]);
    }
}
