/**
 * The sim's 507 underlyings: S&P-500-like tickers plus the ETFs and indexes a demo needs.
 *
 * Real-looking tickers matter because clients special-case them: `BRK/B` and `BF/B` need
 * percent-encoding in paths, SPX has an SPXW weekly root, and one-letter tickers (F, T, V) exercise
 * the OCC space padding. Descriptions are generic on purpose: this is a simulation, not reference data.
 */

/** Exchange-traded funds (is-etf true). */
export const ETFS = [
  "SPY",
  "QQQ",
  "IWM",
  "DIA",
  "XLF",
  "XLE",
  "XLK",
  "GLD",
  "TLT",
  "EEM",
  "HYG",
  "XLV",
] as const;

/** Cash-settled indexes (is-index true, AM-settled monthlies, an extra weekly root). */
export const INDEXES = ["SPX", "NDX", "RUT"] as const;

/** Single stocks, roughly the S&P 500 membership (order is the sim's listing order). */
const STOCKS = `AAPL MSFT NVDA AMZN GOOGL GOOG META BRK/B TSLA AVGO LLY JPM V UNH XOM MA JNJ PG HD COST
ABBV MRK ORCL CVX WMT BAC KO NFLX CRM PEP ADBE AMD TMO LIN ACN MCD CSCO ABT WFC DHR INTU DIS TXN QCOM
CAT VZ AMGN IBM PFE GE NOW CMCSA UNP PM SPGI AMAT NEE ISRG HON RTX GS LOW UBER COP T BKNG AXP ELV PGR
SYK MS BLK TJX PLD VRTX C MDT SCHW LMT ADP REGN CB BSX ETN MMC DE PANW MU ADI LRCX CI FI BX KLAC GILD
SBUX MDLZ SO AMT ANET SNPS BA CDNS SHW MO ICE DUK ZTS CL WM TT CME MCK EQIX CVS CMG PH ITW NKE TGT
APH GD PYPL FDX EOG USB BDX SLB CEG PNC ORLY CSX MSI NOC ABNB MAR EMR CARR ECL HCA AON APD PSX ROP
MPC NXPI NSC WELL AJG TDG PCAR COF FCX CTAS MMM AIG GM SPG OXY AZO TRV ADSK WMB MET HLT SRE TFC AFL
CPRT NEM DLR ROST O GWW OKE PSA KMB F DHI FTNT JCI BK CCI ALL URI AEP D PAYX KMI AMP MSCI TEL LHX
FIS IQV HUM KDP EW MNST PRU A FAST PCG GIS CMI RSG KVUE LEN CTVA ODFL YUM NUE AME CNC IDXX OTIS DOW
VRSK KR CTSH EXC GEHC PWR HES SYY ACGL IT BKR IR CHTR EA XEL VMC MCHP MLM EL STZ DD NDAQ HPQ ED EFX
DFS GLW RMD CBRE FANG HIG CSGP VICI HAL XYL TSCO EXR AVB WTW KHC DAL BIIB LULU ROK MTD ON WEC ANSS
WAB PPG EIX TTWO FITB GPN CDW TROW DXCM EQR IFF BRO KEYS AWK NVR ETR PHM GRMN STT IRM DOV FTV CAH SBAC
HSY DTE MTB FE VTR CHD ADM LYB HPE TYL WST BR STE PPL HUBB RF INVH CINF SW ES DECO WAT NTAP HBAN AEE
CBOE LDOS EQT WY PTC ZBH SMCI BALL STX K DRI CLX MOH CMS TER ARE ATO TDY WDC BAX LYV CCL CFG HOLX OMC
GPC LH FSLR MKC CNP DG ESS SYF MAA APTV PKG ULTA EXPD NTRS STLD LUV BBY J TSN EG CTRA IP DGX DLTR ZBRA
AVY FDS CF TXT EXPE MAS ALGN SWKS AKAM L VRSN LNT NRG BG DPZ CAG POOL GEN UAL SNA IEX TRMB SWK KIM
RVTY NDSN AMCR VTRS JBHT EVRG JBL UDR PNR CE ROL HST CPT INCY KMX EMN JNPR TECH JKHY SJM ALLE BF/B REG
AOS FFIV UHS CHRW LKQ TPR IPG NI BXP CRL MGM CTLT MKTX HII TAP HRL QRVO GNRC PNW AES FRT HSIC BWA DVA
AIZ ENPH WBA WYNN CZR MHK NCLH BEN IVZ PAYC FMC APA MOS BIO ETSY CPB PARA HAS GL RL LW MTCH FOX FOXA
NWS NWSA DAY VLO TMUS INTC PLTR COIN HOOD DASH SNOW ZS CRWD DDOG TEAM MRVL WDAY ROKU SQ
SHOP SE BABA PDD JD NIO RIVN LCID SOFI AAL CCJ MRNA BNTX DKNG PENN RBLX U NET OKTA DOCU ZM TWLO SNAP
PINS W CHWY CVNA GME AMC BBBY TLRY SPCE`;

/** Every underlying, ETFs and indexes first, deduplicated, exactly 507 entries. */
export const UNDERLYING_SYMBOLS: readonly string[] = buildList();

export const UNIVERSE_SIZE = 507;

function buildList(): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => {
    if (seen.has(s) || out.length >= UNIVERSE_SIZE) return;
    seen.add(s);
    out.push(s);
  };
  for (const s of ETFS) add(s);
  for (const s of INDEXES) add(s);
  for (const s of STOCKS.split(/\s+/)) if (s) add(s);
  // Pad deterministically if the list above ever falls short (it should not).
  for (let i = 0; out.length < UNIVERSE_SIZE; i++)
    add(`SIMX${String.fromCharCode(65 + (i % 26)).repeat(1 + Math.floor(i / 26))}`);
  return out;
}
