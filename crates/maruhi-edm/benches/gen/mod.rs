//! A deterministic generator of realistic Japanese customer rows (names
//! with readings, addresses, phones, e-mail, dates of birth), and the ways
//! a leaked row is rewritten. Shared by the EDM benchmarks; nothing large
//! is committed, every row comes from its number.

#![allow(dead_code, unreachable_pub)]

pub const HEADER: &str = "会員番号,姓,名,セイ,メイ,電話番号,メールアドレス,郵便番号,住所,生年月日";

const SURNAMES: &[(&str, &str, &str)] = &[
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("斎藤", "サイトウ", "saito"),
    ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"),
    ("森", "モリ", "mori"),
    ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"),
    ("阿部", "アベ", "abe"),
    ("石川", "イシカワ", "ishikawa"),
    ("山下", "ヤマシタ", "yamashita"),
    ("中島", "ナカジマ", "nakajima"),
    ("石井", "イシイ", "ishii"),
    ("小川", "オガワ", "ogawa"),
    ("前田", "マエダ", "maeda"),
    ("岡田", "オカダ", "okada"),
    ("長谷川", "ハセガワ", "hasegawa"),
    ("藤田", "フジタ", "fujita"),
    ("後藤", "ゴトウ", "goto"),
    ("近藤", "コンドウ", "kondo"),
    ("村上", "ムラカミ", "murakami"),
    ("遠藤", "エンドウ", "endo"),
    ("青木", "アオキ", "aoki"),
    ("坂本", "サカモト", "sakamoto"),
    ("福田", "フクダ", "fukuda"),
    ("太田", "オオタ", "ota"),
    ("西村", "ニシムラ", "nishimura"),
    ("藤井", "フジイ", "fujii"),
    ("金子", "カネコ", "kaneko"),
    ("岡本", "オカモト", "okamoto"),
    ("藤原", "フジワラ", "fujiwara"),
    ("中野", "ナカノ", "nakano"),
    ("渡邊", "ワタナベ", "watanabe"),
    ("髙橋", "タカハシ", "takahashi"),
    ("齋藤", "サイトウ", "saito"),
    ("山﨑", "ヤマザキ", "yamazaki"),
];

const GIVEN: &[(&str, &str, &str)] = &[
    ("太郎", "タロウ", "taro"),
    ("一郎", "イチロウ", "ichiro"),
    ("健太", "ケンタ", "kenta"),
    ("翔太", "ショウタ", "shota"),
    ("大輔", "ダイスケ", "daisuke"),
    ("拓也", "タクヤ", "takuya"),
    ("直樹", "ナオキ", "naoki"),
    ("誠", "マコト", "makoto"),
    ("浩", "ヒロシ", "hiroshi"),
    ("隆", "タカシ", "takashi"),
    ("蓮", "レン", "ren"),
    ("悠真", "ユウマ", "yuma"),
    ("花子", "ハナコ", "hanako"),
    ("陽子", "ヨウコ", "yoko"),
    ("恵子", "ケイコ", "keiko"),
    ("美咲", "ミサキ", "misaki"),
    ("さくら", "サクラ", "sakura"),
    ("愛", "アイ", "ai"),
    ("結衣", "ユイ", "yui"),
    ("葵", "アオイ", "aoi"),
    ("真由美", "マユミ", "mayumi"),
    ("由美子", "ユミコ", "yumiko"),
    ("優子", "ユウコ", "yuko"),
    ("直子", "ナオコ", "naoko"),
    ("明美", "アケミ", "akemi"),
    ("智子", "トモコ", "tomoko"),
    ("裕子", "ユウコ", "yuko"),
    ("幸子", "サチコ", "sachiko"),
    ("和也", "カズヤ", "kazuya"),
    ("健一", "ケンイチ", "kenichi"),
    ("亮", "リョウ", "ryo"),
    ("大樹", "ダイキ", "daiki"),
];

/// (prefecture, city/ward, towns) — real place names.
const PLACES: &[(&str, &str, &[&str])] = &[
    ("東京都", "千代田区", &["丸の内", "大手町", "神田神保町", "麹町"]),
    ("東京都", "渋谷区", &["神宮前", "道玄坂", "恵比寿", "代々木"]),
    ("東京都", "世田谷区", &["三軒茶屋", "太子堂", "桜新町", "用賀"]),
    ("東京都", "三鷹市", &["下連雀", "上連雀", "井の頭", "野崎"]),
    ("神奈川県", "横浜市中区", &["山下町", "元町", "本牧町", "新山下"]),
    ("神奈川県", "川崎市幸区", &["堀川町", "大宮町", "南幸町", "戸手"]),
    ("大阪府", "大阪市北区", &["梅田", "中之島", "天満", "曽根崎"]),
    ("大阪府", "堺市堺区", &["南瓦町", "北瓦町", "中之町西", "熊野町東"]),
    ("愛知県", "名古屋市中区", &["栄", "錦", "丸の内", "大須"]),
    ("北海道", "札幌市中央区", &["北1条西", "南3条西", "大通西", "宮の森"]),
    ("福岡県", "福岡市博多区", &["博多駅前", "中洲", "祇園町", "住吉"]),
    ("埼玉県", "さいたま市浦和区", &["高砂", "常盤", "仲町", "岸町"]),
    ("千葉県", "千葉市中央区", &["富士見", "中央", "新町", "本千葉町"]),
    ("京都府", "京都市中京区", &["烏丸通", "河原町", "二条通", "姉小路"]),
    ("広島県", "広島市中区", &["紙屋町", "八丁堀", "大手町", "本通"]),
    ("宮城県", "仙台市青葉区", &["一番町", "本町", "国分町", "中央"]),
];

const DOMAINS: &[&str] = &["example.jp", "example.co.jp", "example.ne.jp", "mail.example.com", "example.or.jp"];

/// SplitMix64: a deterministic stream from a seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// One customer.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub family: String,
    pub given: String,
    pub family_kana: String,
    pub given_kana: String,
    pub phone: String,
    pub email: String,
    pub postal: String,
    pub pref: String,
    pub city: String,
    pub town: String,
    pub block: (u32, u32, u32),
    pub building: Option<String>,
    pub birth: (i32, u32, u32),
}

/// Row `n` of the dataset generated with `seed` (`seed` ≠ the dataset's
/// gives look-alikes: the same formats, other values).
pub fn person(seed: u64, n: u64) -> Person {
    let mut r = Rng(seed ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let (f, fk, fr) = *r.pick(SURNAMES);
    let (g, gk, gr) = *r.pick(GIVEN);
    let (pref, city, towns) = *r.pick(PLACES);
    let town = *r.pick(towns);
    // Ids and phones are unique per row number: a bijection of `n`.
    let scrambled = (n.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ seed) % 1_000_000_000;
    let prefix = ["C", "M", "K"][(seed % 3) as usize];
    let mobile = ["090", "080", "070"][(n % 3) as usize];
    let line = (n / 3).wrapping_mul(2_654_435_761).wrapping_add(seed.wrapping_mul(97)) % 100_000_000;
    let building = (r.below(3) == 0).then(|| format!("{}ハイツ{}号室", fk, 100 + r.below(900)));
    Person {
        id: format!("{prefix}{scrambled:09}"),
        family: f.into(),
        given: g.into(),
        family_kana: fk.into(),
        given_kana: gk.into(),
        phone: format!("{mobile}-{:04}-{:04}", line / 10_000, line % 10_000),
        email: format!("{gr}.{fr}{}@{}", n % 100_000, r.pick(DOMAINS)),
        postal: format!("{:03}-{:04}", 100 + r.below(900), r.below(10_000)),
        pref: pref.into(),
        city: city.into(),
        town: town.into(),
        block: (1 + r.below(9) as u32, 1 + r.below(30) as u32, 1 + r.below(20) as u32),
        building,
        birth: (1940 + r.below(66) as i32, 1 + r.below(12) as u32, 1 + r.below(28) as u32),
    }
}

impl Person {
    pub fn address(&self) -> String {
        let (a, b, c) = self.block;
        let mut s = format!("{}{}{}{a}-{b}-{c}", self.pref, self.city, self.town);
        if let Some(bld) = &self.building {
            s.push(' ');
            s.push_str(bld);
        }
        s
    }

    pub fn csv_row(&self) -> String {
        let (y, m, d) = self.birth;
        format!(
            "{},{},{},{},{},{},{},{},{},{y:04}-{m:02}-{d:02}",
            self.id,
            self.family,
            self.given,
            self.family_kana,
            self.given_kana,
            self.phone,
            self.email,
            self.postal,
            self.address()
        )
    }
}

/// A streaming CSV of `rows` rows: the export, generated as it is read.
pub struct Export {
    pub seed: u64,
    pub rows: u64,
    pub next: u64,
    pub buf: Vec<u8>,
    pub pos: usize,
    pub header_done: bool,
}

impl Export {
    pub fn new(seed: u64, rows: u64) -> Export {
        Export { seed, rows, next: 0, buf: Vec::new(), pos: 0, header_done: false }
    }
}

impl std::io::Read for Export {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if !self.header_done {
                self.buf.extend_from_slice(HEADER.as_bytes());
                self.buf.push(b'\n');
                self.header_done = true;
            }
            while self.next < self.rows && self.buf.len() < 1 << 16 {
                self.buf.extend_from_slice(person(self.seed, self.next).csv_row().as_bytes());
                self.buf.push(b'\n');
                self.next += 1;
            }
            if self.buf.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

const KANJI_DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

fn kanji_number(n: u32) -> String {
    match n {
        0..=9 => KANJI_DIGITS[n as usize].to_owned(),
        10 => "十".into(),
        11..=19 => format!("十{}", KANJI_DIGITS[(n % 10) as usize]),
        _ if n.is_multiple_of(10) => format!("{}十", KANJI_DIGITS[(n / 10) as usize]),
        _ => format!("{}十{}", KANJI_DIGITS[(n / 10) as usize], KANJI_DIGITS[(n % 10) as usize]),
    }
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn hiragana(s: &str) -> String {
    s.chars()
        .map(|c| if ('\u{30A1}'..='\u{30F6}').contains(&c) { char::from_u32(c as u32 - 0x60).unwrap_or(c) } else { c })
        .collect()
}

fn era(y: i32, m: u32, d: u32) -> String {
    let (name, base) = if (y, m, d) >= (1989, 1, 8) { ("平成", 1988) } else { ("昭和", 1925) };
    let n = y - base;
    if n == 1 {
        format!("{name}元年{m}月{d}日")
    } else {
        format!("{name}{n}年{m}月{d}日")
    }
}

/// A person's values as a leak may write them, variant `v`.
pub struct Written {
    pub id: String,
    pub name: String,
    pub kana: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub birth: String,
}

pub fn written(p: &Person, r: &mut Rng) -> Written {
    let digits: String = p.phone.chars().filter(char::is_ascii_digit).collect();
    let phone = match r.below(6) {
        0 => p.phone.clone(),
        1 => digits.clone(),
        2 => full_width(&p.phone),
        3 => p.phone.replace('-', "‐"),
        4 => format!("+81 {}", &p.phone[1..]),
        _ => p.phone.replace('-', "ー"),
    };
    let id = match r.below(4) {
        0 => p.id.clone(),
        1 => full_width(&p.id),
        2 => p.id.to_lowercase(),
        _ => format!("{}-{}", &p.id[..1], &p.id[1..]),
    };
    let name = match r.below(4) {
        0 => format!("{}{}", p.family, p.given),
        1 => format!("{} {}", p.family, p.given),
        2 => format!("{}　{}", p.family, p.given),
        _ => format!(
            "{}{}",
            p.family.replace('髙', "高").replace('邊', "辺").replace('齋', "斎").replace('﨑', "崎"),
            p.given
        ),
    };
    let kana = match r.below(3) {
        0 => format!("{} {}", p.family_kana, p.given_kana),
        1 => hiragana(&format!("{}{}", p.family_kana, p.given_kana)),
        _ => format!("{}{}", p.family_kana, p.given_kana),
    };
    let (a, b, c) = p.block;
    let address = match r.below(4) {
        0 => p.address(),
        1 => format!("{}{}{a}丁目{b}番{c}号", p.city, p.town),
        2 => format!("{}{}{}{}丁目{}番{}号", p.pref, p.city, p.town, kanji_number(a), kanji_number(b), kanji_number(c)),
        _ => format!("{} {} {}{}", p.pref, p.city, p.town, full_width(&format!("{a}-{b}-{c}"))),
    };
    let (y, m, d) = p.birth;
    let birth = match r.below(4) {
        0 => format!("{y}/{m}/{d}"),
        1 => format!("{y}年{m}月{d}日"),
        2 => era(y, m, d),
        _ => format!("{y:04}-{m:02}-{d:02}"),
    };
    let email = if r.below(2) == 0 { p.email.to_uppercase() } else { full_width(&p.email) };
    Written { id, name, kana, phone, email, address, birth }
}
