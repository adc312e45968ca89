//! Markdown for the report: tables of rows.

use std::fmt::Write;

/// A table row from values that display.
macro_rules! cells {
    ($($cell:expr),* $(,)?) => {
        vec![$($cell.to_string()),*]
    };
}

/// A Markdown table: header, separator, one line per row, and a blank line after.
pub fn table(md: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(md, "| {} |", header.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(md, "| {} |", row.join(" | "));
    }
    md.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_a_separator_per_column_and_a_blank_line_after() {
        let mut md = String::new();
        table(&mut md, &["a", "b"], [cells!("x", 1.5), cells!("`y`", 2)]);
        assert_eq!(md, "| a | b |\n|---|---|\n| x | 1.5 |\n| `y` | 2 |\n\n");
    }
}
