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
            out.write_record(row.iter().map(csv_text)).map_err(failed)?;
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

/// What a streamed download is told: rows to write, or that it is complete, or that it failed
/// (the file is then cut off, never handed over as if whole).
pub enum Piece {
    Rows(Vec<Vec<Cell>>),
    Done,
    Failed(String),
}

/// Where a streamed download's rows go ([`Columns::stream`]).
pub struct RowSender(tokio::sync::mpsc::Sender<Piece>);

impl RowSender {
    /// Hands on some rows; `false` when the download was abandoned (stop reading).
    pub async fn rows(&self, rows: Vec<Vec<Cell>>) -> bool {
        self.0.send(Piece::Rows(rows)).await.is_ok()
    }
    pub async fn done(self) {
        let _ = self.0.send(Piece::Done).await;
    }
    pub async fn failed(self, why: String) {
        let _ = self.0.send(Piece::Failed(why)).await;
    }
}

/// Bytes of CSV gathered before they are sent on.
const CSV_CHUNK: usize = 64 * 1024;
/// Rows an Excel sheet holds below its header.
const XLSX_MAX_ROWS: u32 = 1_048_575;

type BodyTx = tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>;

fn cut(why: impl Into<String>) -> std::io::Error {
    std::io::Error::other(why.into())
}

/// A table to download whose rows come later, as many as there are ([`Columns::stream`]).
pub struct Columns {
    pub sheet: String,
    pub headers: Vec<String>,
}

impl Columns {
    /// A download of any length: the response goes out at once and the rows are written as the
    /// caller sends them, CSV chunk by chunk, Excel into a workbook kept in temporary files (the
    /// file is sent when complete: a workbook is a zip, whole or nothing). Nothing holds the
    /// whole table in memory. A failure after the answer began cuts the file off (the browser
    /// reports a failed download), never a file that only looks complete. Column widths come
    /// from the headers (the rows are not known in advance).
    pub fn stream(self, format: Format, stem: &str) -> (RowSender, Response) {
        let (rows_tx, rows_rx) = tokio::sync::mpsc::channel::<Piece>(2);
        let (body_tx, body_rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(4);
        let content_type = match format {
            Format::Csv => {
                tokio::spawn(self.csv_stream(rows_rx, body_tx));
                "text/csv; charset=utf-8"
            }
            Format::Xlsx => {
                tokio::task::spawn_blocking(move || self.xlsx_stream(rows_rx, body_tx));
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        };
        let body = futures_util::stream::unfold(body_rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
        let disposition = format!("attachment; filename=\"{stem}.{}\"", format.extension());
        let response = (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            axum::body::Body::from_stream(body),
        )
            .into_response();
        (RowSender(rows_tx), response)
    }

    async fn csv_stream(self, mut rows: tokio::sync::mpsc::Receiver<Piece>, body: BodyTx) {
        fn encode(prefix: &[u8], records: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, String> {
            let mut out = csv::Writer::from_writer(prefix.to_vec());
            for record in records {
                out.write_record(record).map_err(|e| e.to_string())?;
            }
            out.into_inner().map_err(|e| e.to_string())
        }
        let mut pending = match encode(b"\xEF\xBB\xBF", std::iter::once(self.headers.clone())) {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = body.send(Err(cut(e))).await;
                return;
            }
        };
        loop {
            match rows.recv().await.unwrap_or(Piece::Failed("the rows stopped coming".into())) {
                Piece::Rows(batch) => {
                    match encode(&pending, batch.iter().map(|row| row.iter().map(csv_text).collect())) {
                        Ok(bytes) => pending = bytes,
                        Err(e) => {
                            let _ = body.send(Err(cut(e))).await;
                            return;
                        }
                    }
                    if pending.len() >= CSV_CHUNK && body.send(Ok(std::mem::take(&mut pending).into())).await.is_err() {
                        return;
                    }
                }
                Piece::Done => {
                    let _ = body.send(Ok(pending.into())).await;
                    return;
                }
                Piece::Failed(why) => {
                    tracing::warn!(why, "download cut off");
                    let _ = body.send(Err(cut(why))).await;
                    return;
                }
            }
        }
    }

    /// Runs on a blocking thread: the workbook is written synchronously.
    fn xlsx_stream(self, mut rows: tokio::sync::mpsc::Receiver<Piece>, body: BodyTx) {
        match self.xlsx_file(&mut rows) {
            Ok(file) => {
                use std::io::Read;
                let mut file = file;
                let mut buf = vec![0u8; CSV_CHUNK];
                loop {
                    match file.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => {
                            if body.blocking_send(Ok(buf[..n].to_vec().into())).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            let _ = body.blocking_send(Err(e));
                            return;
                        }
                    }
                }
            }
            Err(why) => {
                tracing::warn!(why, "download cut off");
                let _ = body.blocking_send(Err(cut(why)));
            }
        }
    }

    /// The workbook, written row by row in constant memory, saved to a temporary file (deleted
    /// when dropped) and rewound.
    fn xlsx_file(&self, rows: &mut tokio::sync::mpsc::Receiver<Piece>) -> Result<std::fs::File, String> {
        use rust_xlsxwriter::{Format as CellFormat, Workbook};
        use std::io::Seek;
        let failed = |e: rust_xlsxwriter::XlsxError| format!("writing XLSX: {e}");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet_with_constant_memory().map_err(failed)?;
        sheet.set_name(&self.sheet).map_err(failed)?;
        let bold = CellFormat::new().set_bold();
        for (c, h) in self.headers.iter().enumerate() {
            sheet.set_column_width(c as u16, width(h).clamp(16.0, 40.0)).map_err(failed)?;
            sheet.write_string_with_format(0, c as u16, h, &bold).map_err(failed)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        let mut r: u32 = 0;
        loop {
            match rows.blocking_recv().unwrap_or(Piece::Failed("the rows stopped coming".into())) {
                Piece::Rows(batch) => {
                    for row in batch {
                        if r == XLSX_MAX_ROWS {
                            return Err(format!("more than {XLSX_MAX_ROWS} rows: more than a sheet holds"));
                        }
                        r += 1;
                        for (c, cell) in row.iter().enumerate() {
                            match cell {
                                Cell::Text(s) => sheet.write_string(r, c as u16, s).map(|_| ()),
                                Cell::Number(n) => sheet.write_number(r, c as u16, *n).map(|_| ()),
                                Cell::Empty => Ok(()),
                            }
                            .map_err(failed)?;
                        }
                    }
                }
                Piece::Done => break,
                Piece::Failed(why) => return Err(why),
            }
        }
        let mut file = tempfile::tempfile().map_err(|e| format!("a temporary file: {e}"))?;
        book.save_to_writer(&mut file).map_err(failed)?;
        file.rewind().map_err(|e| format!("a temporary file: {e}"))?;
        Ok(file)
    }
}

fn csv_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
        Cell::Number(n) => format!("{n}"),
        Cell::Empty => String::new(),
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
