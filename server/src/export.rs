//! Downloads: one table written as CSV (UTF-8 with a byte-order mark, so Excel opens Japanese
//! correctly) or as an Excel workbook (a header row, frozen under it, column widths to fit,
//! numbers as numbers). The reports and lists decide what goes in the table; this module only
//! writes it, with well-kept crates (`csv`, `rust_xlsxwriter`) rather than by hand.

use crate::error::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use mimamori_core::error::ErrorCode;

/// The file formats offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(raw: &str) -> Result<Format, ApiError> {
        match raw {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(ApiError::bad(ErrorCode::InvalidFormat, "format is csv or xlsx")),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// One cell: text, a number, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(f64::from(n))
    }
}
impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A table to download: its sheet name, header row and rows.
pub struct Table {
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A column's width in Excel's units: East Asian characters count twice.
fn width(s: &str) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 1.0 } else { 2.0 }).sum::<f64>() + 2.0
}

impl Table {
    /// The table as a file, named `{stem}.{extension}`.
    pub fn into_file(self, format: Format, stem: &str) -> Result<Response, ApiError> {
        let (bytes, content_type) = match format {
            Format::Csv => (self.csv()?, "text/csv; charset=utf-8"),
            Format::Xlsx => (self.xlsx()?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        };
        let disposition = format!("attachment; filename=\"{stem}.{}\"", format.extension());
        Ok((
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response())
    }

    /// UTF-8 with a byte-order mark; numbers written plainly, text quoted where it must be.
    pub fn csv(&self) -> Result<Vec<u8>, ApiError> {
        let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let failed = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}").into());
        out.write_record(&self.headers).map_err(failed)?;
        for row in &self.rows {
            out.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
                Cell::Number(n) => format!("{n}"),
                Cell::Empty => String::new(),
            }))
            .map_err(failed)?;
        }
        out.into_inner().map_err(|e| ApiError::Internal(format!("writing CSV: {e}").into()))
    }

    /// One sheet: a bold header row frozen at the top, widths that fit, numbers as numbers.
    pub fn xlsx(&self) -> Result<Vec<u8>, ApiError> {
        use rust_xlsxwriter::{Format as CellFormat, Workbook};
        let failed = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(format!("writing XLSX: {e}").into());
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(&self.sheet).map_err(failed)?;
        let bold = CellFormat::new().set_bold();
        let mut widths: Vec<f64> = self.headers.iter().map(|h| width(h)).collect();
        for (c, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold).map_err(failed)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| ApiError::Internal("more rows than a sheet holds".into()))?;
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, col, s).map_err(failed)?;
                        if let Some(w) = widths.get_mut(c) {
                            *w = w.max(width(s));
                        }
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r, col, *n).map_err(failed)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, w.min(60.0)).map_err(failed)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        book.save_to_buffer().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            sheet: "月別".into(),
            headers: vec!["月".into(), "記録".into(), "メモ".into()],
            rows: vec![
                vec!["2026-11".into(), 12u32.into(), "雪, \"屋根\"".into()],
                vec!["2026-12".into(), Cell::Number(0.5), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_starts_with_a_bom_and_quotes_what_it_must() {
        let bytes = table().csv().unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel reads UTF-8 only with the mark");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "月,記録,メモ\n2026-11,12,\"雪, \"\"屋根\"\"\"\n2026-12,0.5,\n");
    }

    #[test]
    fn formats_are_csv_or_xlsx() {
        assert_eq!(Format::parse("csv").unwrap(), Format::Csv);
        assert!(Format::parse("pdf").is_err());
    }
}
