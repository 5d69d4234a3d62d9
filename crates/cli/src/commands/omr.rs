//! `zhijiao omr`: answer sheets without the web. Print a sheet PDF for a layout, read a folder of
//! photos or scans (or a scanned PDF) into a CSV of readings, render synthetic filled photos to
//! try it, and measure accuracy and speed on synthetic phone photos.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use omr::layout::{PrintedStudent, Sheet, SheetLayout};
use omr::sheetread::{PageReading, SheetReader, StudentNumber};
use omr::synth::{Condition, Tally, photograph, score};
use omr::{FieldValue, OmrError, Template, TemplateReader};

#[derive(Debug, Subcommand)]
pub enum OmrCommand {
    /// 打印答题卡 PDF / print an answer-sheet PDF for a layout
    Sheet(SheetArgs),
    /// 识别扫描件或照片，输出 CSV / read scans or photos into a CSV
    Read(ReadArgs),
    /// 生成模拟填涂并拍照的答题卡图片 / render filled, phone-photographed sheets to try reading
    Render(RenderArgs),
    /// 合成照片上的准确率与速度 / accuracy and speed on synthetic phone photos
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct SheetArgs {
    /// 答题卡版式 JSON / sheet layout JSON
    #[arg(long, value_name = "FILE")]
    layout: PathBuf,
    /// 输出 PDF / output PDF
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// 学生名单 CSV（学号,姓名,班级），每人一份 / students CSV (number,name,class): one copy each
    #[arg(long, value_name = "FILE")]
    students: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// OMRChecker template.json 或本平台版式 JSON / an OMRChecker template.json or one of our layouts
    #[arg(long, value_name = "FILE")]
    template: PathBuf,
    /// 图片文件夹、单张图片或扫描 PDF / a folder of images, one image, or a scanned PDF
    #[arg(long, value_name = "PATH")]
    images: PathBuf,
    /// 输出 CSV / output CSV
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// 主观题切图输出文件夹 / folder for the cut-out subjective answers (our layouts)
    #[arg(long, value_name = "DIR")]
    crops: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[arg(long, value_name = "FILE")]
    layout: PathBuf,
    /// 输出文件夹 / output folder
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[arg(long, default_value_t = 5)]
    count: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = RenderCondition::All)]
    condition: RenderCondition,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RenderCondition {
    Clean,
    All,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// 每种退化的张数 / sheets per degradation
    #[arg(long, default_value_t = 20)]
    per_condition: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

pub fn run(command: OmrCommand) -> anyhow::Result<ExitCode> {
    match command {
        OmrCommand::Sheet(args) => sheet(args),
        OmrCommand::Read(args) => read(args),
        OmrCommand::Render(args) => render(args),
        OmrCommand::Bench(args) => bench(args),
    }
}

fn load_layout(path: &Path) -> anyhow::Result<SheetLayout> {
    let json = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    SheetLayout::from_json(&json).with_context(|| path.display().to_string())
}

fn sheet(args: SheetArgs) -> anyhow::Result<ExitCode> {
    let layout = load_layout(&args.layout)?;
    let sheet = layout.lay_out()?;
    let students = match &args.students {
        Some(p) => read_students(p)?,
        None => Vec::new(),
    };
    let out = omr::pdf::sheet_pdf(&sheet, &students)?;
    std::fs::write(&args.out, &out.bytes).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "已生成 / written: {} ({} 页/pages per copy, {} 份/copies, {} KB)",
        args.out.display(),
        sheet.pages.len(),
        students.len().max(1),
        out.bytes.len() / 1024
    );
    if !out.missing_chars.is_empty() {
        let list: String = out.missing_chars.iter().collect();
        println!("注意 / note: the embedded font lacks {list:?}; they print as empty boxes");
    }
    Ok(ExitCode::SUCCESS)
}

fn read_students(path: &Path) -> anyhow::Result<Vec<PrintedStudent>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.with_context(|| format!("{}:{}", path.display(), i + 2))?;
        let number = row.get(0).unwrap_or_default().trim().to_string();
        let name = row.get(1).unwrap_or_default().trim().to_string();
        if number.is_empty() || name.is_empty() {
            bail!("{}:{}: number and name are required", path.display(), i + 2);
        }
        out.push(PrintedStudent { number, name, class: row.get(2).unwrap_or_default().trim().to_string() });
    }
    Ok(out)
}

/// One input image: a display name (pages of a PDF become `scan.pdf#3`), its path and its bytes
/// or why they could not be had.
struct Input {
    name: String,
    path: String,
    bytes: anyhow::Result<Vec<u8>>,
}

fn inputs(path: &Path) -> anyhow::Result<Vec<Input>> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
                matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "pdf")
            })
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let shown = f.display().to_string();
        let bytes = std::fs::read(&f).with_context(|| format!("cannot read {shown}"));
        let is_pdf = matches!(&bytes, Ok(b) if b.starts_with(b"%PDF-"));
        if is_pdf {
            match omr::pdfscan::scanned_pages(bytes.as_deref().unwrap_or_default()) {
                Ok(pages) => {
                    for (i, p) in pages.into_iter().enumerate() {
                        out.push(Input { name: format!("{name}#{}", i + 1), path: shown.clone(), bytes: Ok(p) });
                    }
                }
                Err(e) => out.push(Input { name, path: shown, bytes: Err(e.into()) }),
            }
        } else {
            out.push(Input { name, path: shown, bytes });
        }
    }
    Ok(out)
}

fn csv_cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn read(args: ReadArgs) -> anyhow::Result<ExitCode> {
    let json =
        std::fs::read_to_string(&args.template).with_context(|| format!("cannot read {}", args.template.display()))?;
    let is_omrchecker =
        serde_json::from_str::<serde_json::Value>(&json).map(|v| v.get("fieldBlocks").is_some()).unwrap_or(false);
    let inputs = inputs(&args.images)?;
    if inputs.is_empty() {
        bail!("no JPEG, PNG or PDF files in {}", args.images.display());
    }
    let started = Instant::now();
    let (csv, counts) = if is_omrchecker {
        read_with_template(&args, &json, &inputs)?
    } else {
        read_with_layout(&args, &json, &inputs)?
    };
    std::fs::write(&args.out, csv).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "已识别 / read {} 张/images in {:.1}s: {} 正常/ok, {} 待复核/needs review, {} 失败/failed → {}",
        inputs.len(),
        started.elapsed().as_secs_f64(),
        counts.0,
        counts.1,
        counts.2,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

type Inputs = [Input];

fn read_with_template(args: &ReadArgs, json: &str, inputs: &Inputs) -> anyhow::Result<(String, (usize, usize, usize))> {
    let template = Template::parse(json).with_context(|| args.template.display().to_string())?;
    let marker = match template.marker_path() {
        Some(p) => {
            let dir = args.template.parent().unwrap_or(Path::new("."));
            let path = dir.join(p);
            Some(std::fs::read(&path).with_context(|| format!("marker image {}", path.display()))?)
        }
        None => None,
    };
    let reader = TemplateReader::new(template, marker.as_deref())?;
    let columns = reader.template.columns();
    let mut out = String::from("\u{feff}");
    let mut header = vec![csv_cell("file_id"), csv_cell("input_path")];
    header.extend(columns.iter().map(|c| csv_cell(c)));
    header.push(csv_cell("status"));
    let _ = writeln!(out, "{}", header.join(","));
    let mut counts = (0, 0, 0);
    for Input { name, path, bytes } in inputs {
        let mut row = vec![csv_cell(name), csv_cell(path)];
        // A bad image never stops the batch: it gets a row saying why.
        let result = bytes.as_ref().map_err(|e| anyhow::anyhow!("{e:#}")).and_then(|b| Ok(reader.read(b)?));
        match result {
            Ok(r) => {
                row.extend(r.cells.iter().map(|(_, v)| csv_cell(v)));
                let status = if r.needs_review { "needs_review" } else { "ok" };
                if r.needs_review {
                    counts.1 += 1
                } else {
                    counts.0 += 1
                }
                row.push(csv_cell(status));
            }
            Err(e) => {
                counts.2 += 1;
                row.extend(columns.iter().map(|_| csv_cell("")));
                row.push(csv_cell(&format!("failed: {e:#}")));
            }
        }
        let _ = writeln!(out, "{}", row.join(","));
    }
    Ok((out, counts))
}

/// The value of every item of our layout, assembling numeric items from their digits.
fn item_cells(sheet: &Sheet, reading: &PageReading) -> Vec<(String, String)> {
    let by_field: HashMap<&str, &FieldValue> = reading.fields.iter().map(|f| (f.field.as_str(), &f.value)).collect();
    let mut out = Vec::new();
    for (i, item) in sheet.layout.items.iter().enumerate() {
        let label = (i + 1).to_string();
        let cell = match item {
            omr::layout::Item::Numeric { digits } => {
                let parts: Vec<&FieldValue> =
                    (1..=*digits).filter_map(|d| by_field.get(format!("{label}.{d}").as_str()).copied()).collect();
                if parts.is_empty() {
                    continue;
                }
                parts.iter().map(|v| v.cell()).collect::<String>()
            }
            omr::layout::Item::Subjective { .. } => continue,
            _ => match by_field.get(label.as_str()) {
                Some(v) => v.cell().to_string(),
                None => continue,
            },
        };
        out.push((label, cell));
    }
    out
}

fn read_with_layout(args: &ReadArgs, json: &str, inputs: &Inputs) -> anyhow::Result<(String, (usize, usize, usize))> {
    let layout = SheetLayout::from_json(json).with_context(|| args.template.display().to_string())?;
    let sheet = layout.lay_out()?;
    let reader = SheetReader::new(sheet.clone());
    let objective: Vec<String> = sheet
        .layout
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| !matches!(it, omr::layout::Item::Subjective { .. }))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if let Some(dir) = &args.crops {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut out = String::from("\u{feff}");
    let mut header = vec![csv_cell("file_id"), csv_cell("input_path"), csv_cell("student_number"), csv_cell("page")];
    header.extend(objective.iter().map(|c| csv_cell(c)));
    header.push(csv_cell("status"));
    let _ = writeln!(out, "{}", header.join(","));
    let mut seen: HashMap<(String, u32), String> = HashMap::new();
    let mut counts = (0, 0, 0);
    for Input { name, path, bytes } in inputs {
        let mut row = vec![csv_cell(name), csv_cell(path)];
        let result = bytes.as_ref().map_err(|e| anyhow::anyhow!("{e:#}")).and_then(|b| Ok(reader.read(b)?));
        match result {
            Ok(r) => {
                let (student, student_known) = match &r.student_number {
                    StudentNumber::Printed(s) | StudentNumber::Read(s) => (s.clone(), true),
                    StudentNumber::Unreadable(s) => (s.clone(), false),
                    StudentNumber::Absent => (String::new(), false),
                };
                row.push(csv_cell(&student));
                row.push(csv_cell(&r.page.to_string()));
                let cells: HashMap<String, String> = item_cells(&sheet, &r).into_iter().collect();
                row.extend(objective.iter().map(|c| csv_cell(cells.get(c).map(String::as_str).unwrap_or(""))));
                // The same student's page twice is flagged, and only the first counts.
                let duplicate = if student_known { seen.get(&(student.clone(), r.page)).cloned() } else { None };
                let status = match duplicate {
                    Some(first) => format!("duplicate of {first}"),
                    None if r.needs_review() => "needs_review".to_string(),
                    None => "ok".to_string(),
                };
                if status == "ok" {
                    counts.0 += 1
                } else {
                    counts.1 += 1
                }
                if student_known {
                    seen.entry((student.clone(), r.page)).or_insert_with(|| name.clone());
                }
                if let Some(dir) = &args.crops {
                    for (field, img) in &r.crops {
                        let file = dir.join(format!("{}-q{field}.png", name.replace(['/', '#'], "_")));
                        std::fs::write(&file, img.to_png()?)
                            .with_context(|| format!("cannot write {}", file.display()))?;
                    }
                }
                row.push(csv_cell(&status));
            }
            Err(e) => {
                counts.2 += 1;
                let reason = match e.downcast_ref::<OmrError>() {
                    Some(OmrError::WrongSheet { .. }) => format!("refused: {e}"),
                    _ => format!("failed: {e:#}"),
                };
                row.extend((0..objective.len() + 2).map(|_| csv_cell("")));
                row.push(csv_cell(&reason));
            }
        }
        let _ = writeln!(out, "{}", row.join(","));
    }
    Ok((out, counts))
}

fn render(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let sheet = load_layout(&args.layout)?.lay_out()?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let condition = match args.condition {
        RenderCondition::Clean => Condition::Clean,
        RenderCondition::All => Condition::All,
    };
    let mut answers = String::from("file,student_number,marks\n");
    for k in 0..args.count {
        for p in 0..sheet.pages.len() {
            let photo =
                photograph(&sheet, p, condition, args.seed.wrapping_mul(1000).wrapping_add((k * 16 + p) as u64))?;
            let name = format!("sheet-{:03}-p{}.jpg", k + 1, p + 1);
            std::fs::write(args.out.join(&name), &photo.jpeg)?;
            let marks: Vec<String> = photo.intended.iter().map(|m| format!("{}={}", m.field, m.value)).collect();
            let _ = writeln!(answers, "{name},{},{}", photo.student_number, marks.join(" "));
        }
    }
    std::fs::write(args.out.join("answers.csv"), answers)?;
    println!(
        "已生成 / rendered {} photos into {} (answers.csv holds what was filled)",
        args.count * sheet.pages.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn bench(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let layout = SheetLayout {
        id: "bench".into(),
        title: "基准测试 答题卡".into(),
        paper: omr::layout::Paper::A4,
        student_number_digits: 8,
        items: (0..30)
            .map(|i| omr::layout::Item::Choice { options: 4, multiple: i % 6 == 5 })
            .chain((0..5).map(|_| omr::layout::Item::TrueFalse))
            .chain([omr::layout::Item::Numeric { digits: 3 }, omr::layout::Item::Subjective { height_mm: 40.0 }])
            .collect(),
    };
    let sheet = layout.lay_out()?;
    let reader = SheetReader::new(sheet.clone());
    println!(
        "| degradation | sheets | failed | bubbles | correct | flagged | wrong | accuracy | student ok | flagged | wrong | QR read |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut total = Tally::default();
    let mut photos = Vec::new();
    let mut failures = Vec::new();
    for (ci, condition) in Condition::EVERY.iter().enumerate() {
        let mut t = Tally::default();
        for k in 0..args.per_condition {
            let seed = args.seed.wrapping_mul(1_000_003).wrapping_add((ci * 100_000 + k) as u64);
            let photo = photograph(&sheet, 0, *condition, seed)?;
            match reader.read(&photo.jpeg) {
                Ok(r) => t.add(&score(&r, &photo)),
                Err(e) => {
                    t.sheets += 1;
                    t.failed_sheets += 1;
                    failures.push(format!("{} (seed {seed}): {e}", condition.name()));
                }
            }
            photos.push(photo);
        }
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.4} | {} | {} | {} | {} |",
            condition.name(),
            t.sheets,
            t.failed_sheets,
            t.bubbles,
            t.correct,
            t.flagged,
            t.wrong,
            t.accuracy(),
            t.student_right,
            t.student_flagged,
            t.student_wrong,
            t.qr_read
        );
        total.add(&t);
    }
    println!(
        "| **all** | {} | {} | {} | {} | {} | {} | {:.4} | {} | {} | {} | {} |",
        total.sheets,
        total.failed_sheets,
        total.bubbles,
        total.correct,
        total.flagged,
        total.wrong,
        total.accuracy(),
        total.student_right,
        total.student_flagged,
        total.student_wrong,
        total.qr_read
    );
    for f in &failures {
        println!("not read: {f}");
    }
    // Throughput on one core: decode + read of 2-megapixel JPEG photos, then read alone.
    let started = Instant::now();
    for p in &photos {
        let _ = reader.read(&p.jpeg);
    }
    let full = started.elapsed().as_secs_f64();
    let decoded: Vec<_> = photos.iter().filter_map(|p| omr::synth::decode_photo(p).ok()).collect();
    let started = Instant::now();
    for img in &decoded {
        let _ = reader.read_gray(img);
    }
    let read_only = started.elapsed().as_secs_f64();
    println!();
    println!(
        "throughput, one core, {}×{} JPEG photos: {:.1} sheets/s with decoding, {:.1} sheets/s reading decoded images ({} sheets)",
        omr::synth::PHOTO_W,
        omr::synth::PHOTO_H,
        photos.len() as f64 / full,
        decoded.len() as f64 / read_only,
        photos.len()
    );
    Ok(if total.wrong == 0 && total.student_wrong == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
