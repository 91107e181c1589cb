//! Old character forms (旧字体) that NFKC leaves alone, folded to their
//! modern forms (新字体).
//!
//! NFKC only maps the CJK *compatibility* ideographs (U+F900..U+FAFF) to
//! unified ones; pairs like 國/国 or 澤/沢 are distinct unified ideographs, so a
//! document typed with old forms (common in names: 髙橋, 山﨑, 齋藤, 渡邊) would
//! never match its modern spelling without this table. The pairs come from the
//! 1946/1949 Tōyō kanji simplifications as listed in the Jōyō kanji table,
//! plus the common name variants (髙, 﨑, 邉, 嶋). Several old forms that merged
//! into one new form (辨 瓣 辯 → 弁) fold many-to-one on purpose: a scanner
//! wants recall here, and the table is applied to both sides of a comparison.

/// Defines the pair table once and derives both the lookup `match` (which the
/// compiler turns into a decision tree) and a slice for tests and the filter.
macro_rules! kyuujitai_table {
    ($($old:literal => $new:literal),* $(,)?) => {
        /// Every (old, new) pair, in source order.
        pub(crate) const PAIRS: &[(char, char)] = &[$(($old, $new)),*];

        #[inline]
        fn lookup(c: char) -> Option<char> {
            match c {
                $($old => Some($new),)*
                _ => None,
            }
        }
    };
}

kyuujitai_table! {
    '亞' => '亜', '惡' => '悪', '壓' => '圧', '圍' => '囲', '爲' => '為',
    '醫' => '医', '壹' => '壱', '隱' => '隠', '榮' => '栄', '營' => '営',
    '衞' => '衛', '驛' => '駅', '圓' => '円', '鹽' => '塩', '緣' => '縁',
    '艷' => '艶', '應' => '応', '歐' => '欧', '毆' => '殴', '櫻' => '桜',
    '奧' => '奥', '假' => '仮', '價' => '価', '畫' => '画', '會' => '会',
    '囘' => '回', '壞' => '壊', '懷' => '懐', '繪' => '絵', '擴' => '拡',
    '覺' => '覚', '學' => '学', '嶽' => '岳', '樂' => '楽', '勸' => '勧',
    '卷' => '巻', '歡' => '歓', '罐' => '缶', '觀' => '観', '關' => '関',
    '陷' => '陥', '顏' => '顔', '歸' => '帰', '氣' => '気', '龜' => '亀',
    '僞' => '偽', '戲' => '戯', '犧' => '犠', '舊' => '旧', '據' => '拠',
    '擧' => '挙', '峽' => '峡', '挾' => '挟', '狹' => '狭', '曉' => '暁',
    '區' => '区', '驅' => '駆', '勳' => '勲', '徑' => '径', '惠' => '恵',
    '溪' => '渓', '經' => '経', '繼' => '継', '莖' => '茎', '螢' => '蛍',
    '輕' => '軽', '鷄' => '鶏', '藝' => '芸', '缺' => '欠', '儉' => '倹',
    '劍' => '剣', '圈' => '圏', '檢' => '検', '權' => '権', '獻' => '献',
    '縣' => '県', '險' => '険', '顯' => '顕', '驗' => '験', '嚴' => '厳',
    '效' => '効', '廣' => '広', '恆' => '恒', '鑛' => '鉱', '號' => '号',
    '國' => '国', '黑' => '黒', '濟' => '済', '碎' => '砕', '齋' => '斎',
    '劑' => '剤', '雜' => '雑', '參' => '参', '慘' => '惨', '棧' => '桟',
    '蠶' => '蚕', '贊' => '賛', '殘' => '残', '絲' => '糸', '齒' => '歯',
    '兒' => '児', '辭' => '辞', '濕' => '湿', '實' => '実', '舍' => '舎',
    '寫' => '写', '釋' => '釈', '壽' => '寿', '收' => '収', '從' => '従',
    '澁' => '渋', '獸' => '獣', '縱' => '縦', '肅' => '粛', '處' => '処',
    '緖' => '緒', '敍' => '叙', '將' => '将', '燒' => '焼', '稱' => '称',
    '證' => '証', '乘' => '乗', '剩' => '剰', '壤' => '壌', '孃' => '嬢',
    '條' => '条', '淨' => '浄', '狀' => '状', '疊' => '畳', '讓' => '譲',
    '釀' => '醸', '觸' => '触', '囑' => '嘱', '眞' => '真', '寢' => '寝',
    '愼' => '慎', '盡' => '尽', '圖' => '図', '粹' => '粋', '醉' => '酔',
    '隨' => '随', '髓' => '髄', '數' => '数', '樞' => '枢', '聲' => '声',
    '靜' => '静', '齊' => '斉', '攝' => '摂', '竊' => '窃', '專' => '専',
    '戰' => '戦', '淺' => '浅', '潛' => '潜', '纖' => '繊', '踐' => '践',
    '錢' => '銭', '禪' => '禅', '雙' => '双', '壯' => '壮', '搜' => '捜',
    '插' => '挿', '爭' => '争', '總' => '総', '聰' => '聡', '莊' => '荘',
    '裝' => '装', '騷' => '騒', '藏' => '蔵', '臟' => '臓', '屬' => '属',
    '續' => '続', '墮' => '堕', '體' => '体', '對' => '対', '帶' => '帯',
    '滯' => '滞', '臺' => '台', '瀧' => '滝', '擇' => '択', '澤' => '沢',
    '單' => '単', '擔' => '担', '膽' => '胆', '團' => '団', '彈' => '弾',
    '斷' => '断', '癡' => '痴', '遲' => '遅', '晝' => '昼', '蟲' => '虫',
    '鑄' => '鋳', '廳' => '庁', '徵' => '徴', '聽' => '聴', '敕' => '勅',
    '鎭' => '鎮', '遞' => '逓', '鐵' => '鉄', '轉' => '転', '點' => '点',
    '傳' => '伝', '黨' => '党', '盜' => '盗', '燈' => '灯', '當' => '当',
    '鬭' => '闘', '德' => '徳', '獨' => '独', '讀' => '読', '屆' => '届',
    '繩' => '縄', '貳' => '弐', '惱' => '悩', '腦' => '脳', '霸' => '覇',
    '廢' => '廃', '拜' => '拝', '賣' => '売', '麥' => '麦', '發' => '発',
    '髮' => '髪', '拔' => '抜', '蠻' => '蛮', '祕' => '秘', '濱' => '浜',
    '甁' => '瓶', '拂' => '払', '佛' => '仏', '倂' => '併', '竝' => '並',
    '變' => '変', '邊' => '辺', '邉' => '辺', '辨' => '弁', '瓣' => '弁',
    '辯' => '弁', '舖' => '舗', '步' => '歩', '穗' => '穂', '寶' => '宝',
    '豐' => '豊', '沒' => '没', '每' => '毎', '飜' => '翻', '萬' => '万',
    '滿' => '満', '默' => '黙', '譯' => '訳', '藥' => '薬', '與' => '与',
    '譽' => '誉', '豫' => '予', '餘' => '余', '搖' => '揺', '樣' => '様',
    '謠' => '謡', '來' => '来', '賴' => '頼', '亂' => '乱', '覽' => '覧',
    '龍' => '竜', '兩' => '両', '獵' => '猟', '綠' => '緑', '壘' => '塁',
    '勵' => '励', '禮' => '礼', '隸' => '隷', '靈' => '霊', '齡' => '齢',
    '戀' => '恋', '爐' => '炉', '勞' => '労', '樓' => '楼', '錄' => '録',
    '灣' => '湾', '淸' => '清', '靑' => '青', '卽' => '即', '旣' => '既',
    '曆' => '暦', '歷' => '歴', '鄕' => '郷', '晉' => '晋', '虛' => '虚',
    '髙' => '高', '﨑' => '崎', '嶋' => '島', '巖' => '巌',
}

/// A 4096-bit filter over the low 12 bits of every old form, so the common
/// case (a kanji that is not an old form) costs one load and a bit test
/// instead of a walk through the `match` tree.
const FILTER: [u64; 64] = {
    let mut bits = [0u64; 64];
    let mut i = 0;
    while i < PAIRS.len() {
        let low = (PAIRS[i].0 as u32 & 0xFFF) as usize;
        bits[low >> 6] |= 1 << (low & 63);
        i += 1;
    }
    bits
};

/// Folds an old form to its modern form; any other char comes back as is.
#[inline]
pub(crate) fn fold(c: char) -> char {
    let low = (c as u32 & 0xFFF) as usize;
    if FILTER[low >> 6] & (1 << (low & 63)) == 0 {
        return c;
    }
    lookup(c).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use icu_normalizer::ComposingNormalizer;

    #[test]
    fn table_is_consistent() {
        let nfkc = ComposingNormalizer::new_nfkc();
        let mut olds: Vec<char> = PAIRS.iter().map(|p| p.0).collect();
        olds.sort_unstable();
        olds.dedup();
        assert_eq!(olds.len(), PAIRS.len(), "duplicate old form");
        for &(old, new) in PAIRS {
            assert_ne!(old, new);
            // A new form that is itself an old form would make folding
            // non-idempotent.
            assert!(lookup(new).is_none(), "{new} is also an old form");
            // NFKC runs first: an entry whose old form NFKC already changes
            // would never be reached.
            for c in [old, new] {
                let mut buf = [0u8; 4];
                let s: &str = c.encode_utf8(&mut buf);
                assert_eq!(nfkc.normalize(s), s, "{c} is not NFKC-stable");
            }
            assert_eq!(fold(old), new);
            assert_eq!(fold(new), new);
        }
        assert!(PAIRS.len() >= 150);
    }

    #[test]
    fn filter_passes_only_what_lookup_can_fold() {
        for c in (0x3400..=0xFAFF).filter_map(char::from_u32) {
            assert_eq!(fold(c), lookup(c).unwrap_or(c));
        }
    }
}
