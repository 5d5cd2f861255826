//! The unit names of each category, in the order the original server lists them, with
//! each unit's size in the category's base unit (the factors of the original server).

/// Length units, in metres.
pub const LENGTH: &[(&str, f64)] = &[
    ("angstrom", 1e-10),
    ("astronomical unit", 149598550000.0),
    ("cable", 182.88),
    ("centimeter", 0.01),
    ("chain (surveyors)", 20.11684023368),
    ("decimeter", 0.1),
    ("em (pica)", 0.0042333),
    ("fathom", 1.8288),
    ("foot", 0.3048),
    ("foot (US survey)", 0.304800609601),
    ("furlong", 201.168),
    ("hand", 0.1016),
    ("hectometer", 100.0),
    ("inch", 0.0254),
    ("kilometer", 1000.0),
    ("light year", 9460528405000000.0),
    ("meter", 1.0),
    ("micrometer", 1e-06),
    ("mil", 2.54e-05),
    ("mile", 1609.344),
    ("nautical mile", 1852.0),
    ("nautical mile (UK)", 1853.184),
    ("millimeter", 0.001),
    ("nanometer", 1e-09),
    ("parsec", 3.0856776e16),
    ("picometer", 1e-12),
    ("Scandinavian mile", 10000.0),
    ("thou", 2.54e-05),
    ("yard", 0.9144),
];

/// Energy units, in joules.
pub const ENERGY: &[(&str, f64)] = &[
    ("joule", 1.0),
    ("kilojoule", 1000.0),
    ("megajoule", 1000000.0),
    ("gigajoule", 1000000000.0),
    ("terajoule", 1000000000000.0),
    ("petajoule", 1000000000000000.0),
    ("exajoule", 1e18),
    ("watt hour", 3600.0),
    ("kilowatt hour", 3600000.0),
    ("megawatt hour", 3600000000.0),
    ("gigawatt hour", 3600000000000.0),
    ("terawatt hour", 3600000000000000.0),
    ("Btu", 1054.35),
    ("calorie", 4.184),
    ("kilocalorie", 4184.0),
    ("therm", 105505585.257348),
    ("foot\u{2011}pound force", 1.355817948331),
    ("inch\u{2011}pound force", 0.112984829028),
    ("erg", 1e-07),
    ("electron volt", 1.602176634e-19),
];

/// Force units, in newtons.
pub const FORCE: &[(&str, f64)] = &[
    ("dynes", 1e-05),
    ("kilograms force", 9.80665),
    ("kilonewtons", 1000.0),
    ("kips", 4448.222),
    ("meganewtons", 1000000.0),
    ("newtons", 1.0),
    ("pounds force", 4.44822161526),
    ("tonnes force", 9806.65),
    ("long tons force", 9964.01641818352),
    ("short tons force", 8896.443230521),
];

/// Pressure units, in pascals.
pub const PRESSURE: &[(&str, f64)] = &[
    ("pascal", 1.0),
    ("hectopascal", 100.0),
    ("kilopascal", 1000.0),
    ("megapascal", 1000000.0),
    ("bar", 100000.0),
    ("atmosphere", 101325.0),
    ("centimeters of water", 98.0665),
    ("inches of water", 249.08891),
    ("feet of water", 2989.06692),
    ("meters of water", 9806.65),
    ("millimeters of mercury", 133.322),
    ("inches of mercury", 3386.388),
    ("kilogram force per square centimeter", 98066.5),
    ("newtons per square centimeter", 10000.0),
    ("newtons per square millimeter", 1000000.0),
    ("psi", 6894.757293168362),
    ("psf", 47.880258980336),
];

/// Power units, in watts.
pub const POWER: &[(&str, f64)] = &[
    ("Btu per hour", 0.2930711),
    ("foot pound\u{2011}force per second", 1.35582),
    ("ton of refrigeration", 3516.853),
    ("calorie per hour", 0.001162222222),
    ("kilocalorie per hour", 1.162222222222),
    ("horsepower", 745.69987158227),
    ("horsepower (metric)", 735.4988),
    ("kilogram\u{2011}force meter per second", 9.80665),
    ("watt", 1.0),
    ("kilowatt", 1000.0),
    ("megawatt", 1000000.0),
    ("gigawatt", 1000000000.0),
    ("terawatt", 1000000000000.0),
    ("petawatt", 1000000000000000.0),
];

/// Speed units, in metres per second.
pub const SPEED: &[(&str, f64)] = &[
    ("centimeters per minute", 0.000166666667),
    ("centimeters per second", 0.01),
    ("feet per hour", 8.4666836e-05),
    ("feet per minute", 0.00508),
    ("feet per second", 0.3048),
    ("inches per minute", 0.00042333418),
    ("inches per second", 0.0254),
    ("kilometers per hour", 0.277777777778),
    ("kilometers per second", 1000.0),
    ("knots", 0.514444444444),
    ("Mach (ISA sea level)", 340.2933),
    ("speed of sound", 343.0),
    ("meters per hour", 0.000277777778),
    ("meters per minute", 0.016666666667),
    ("meters per second", 1.0),
    ("miles per hour", 0.44704),
    ("miles per minute", 26.8224),
    ("miles per second", 1609.344),
    ("yards per hour", 0.000254000508),
    ("yards per minute", 0.01524),
    ("yards per second", 0.9144),
    ("speed of light", 299792458.0),
];

/// Area units, in square metres.
pub const AREA: &[(&str, f64)] = &[
    ("acre", 4046.8564224),
    ("are", 100.0),
    ("hectare", 10000.0),
    ("square centimeter", 0.0001),
    ("square foot", 0.09290304),
    ("square inch", 0.00064516),
    ("square kilometer", 1000000.0),
    ("square meter", 1.0),
    ("square mile", 2589988.110336),
    ("square millimeter", 1e-06),
    ("square yard", 0.83612736),
];

/// Mass units, in kilograms.
pub const MASS: &[(&str, f64)] = &[
    ("carat", 0.0002),
    ("decagram", 0.01),
    ("hectogram", 0.1),
    ("gram", 0.001),
    ("milligram", 1e-06),
    ("microgram", 1e-09),
    ("nanogram", 1e-12),
    ("picogram", 1e-15),
    ("femtogram", 1e-18),
    ("grain", 6.479891e-05),
    ("ounce", 0.028349523125),
    ("troy ounce", 0.0311034768),
    ("pound", 0.45359237),
    ("stone", 6.35029318),
    ("short ton (US)", 907.18474),
    ("long ton (UK)", 1016.0469088),
    ("tonne", 1000.0),
    ("kilotonne", 1000000.0),
    ("megatonne", 1000000000.0),
    ("kilogram", 1.0),
];

/// Volume units, in litres.
pub const VOLUME: &[(&str, f64)] = &[
    ("acre foot", 1233481.83754752),
    ("barrel (oil)", 158.987294928),
    ("bushel (UK)", 36.36872),
    ("bushel (US)", 35.23907016688),
    ("bushel", 35.23907016688),
    ("centiliter", 0.01),
    ("cubic centimeter", 0.001),
    ("cubic decimeter", 1.0),
    ("cubic foot", 28.316846592),
    ("cubic inch", 0.016387064),
    ("cubic kilometer", 1000000000000.0),
    ("cubic meter", 1000.0),
    ("cubic mile", 4168181825000.0),
    ("cubic millimeter", 1e-06),
    ("cubic yard", 764.554857984),
    ("cup", 0.2365882365),
    ("deciliter", 0.1),
    ("fluid ounce (imperial)", 0.0284130625),
    ("fluid ounce (US)", 0.029573529562),
    ("fluid ounce", 0.029573529562),
    ("gallon (imperial)", 4.54609),
    ("gallon (US)", 3.785411784),
    ("gallon", 3.785411784),
    ("kiloliter", 1000.0),
    ("liter", 1.0),
    ("milliliter", 0.001),
    ("microliter", 1e-06),
    ("nanoliter", 1e-09),
    ("picoliter", 1e-12),
    ("pint (imperial)", 0.56826125),
    ("pint (US)", 0.473176473),
    ("pint", 0.473176473),
    ("quart (imperial)", 1.1365225),
    ("quart (US)", 0.946352946),
    ("quart", 0.946352946),
    ("tablespoon", 0.014786764781),
    ("teaspoon", 0.004928921594),
];

/// Computer data units, in megabytes (binary: 1 gigabyte = 1024 megabytes).
pub const COMPUTER_DATA: &[(&str, f64)] = &[
    ("bits", 1.19209e-07),
    ("bytes", 9.53674e-07),
    ("kilobytes", 0.0009765625),
    ("megabytes", 1.0),
    ("gigabytes", 1024.0),
    ("terabytes", 1048576.0),
    ("petabytes", 1073741824.0),
    ("exabytes", 1099511627776.0),
];

/// Density units, in kilograms per litre.
pub const DENSITY: &[(&str, f64)] = &[
    ("grains per gallon (UK)", 1.4253948e-05),
    ("grains per gallon (US)", 1.7118012e-05),
    ("grains per gallon", 1.7118012e-05),
    ("grams per cubic centimeter", 1.0),
    ("grams per liter", 0.001),
    ("kilograms per liter", 1.0),
    ("kilograms per cubic meter", 0.001),
    ("milligrams per liter", 1e-06),
    ("ounces per gallon (UK)", 0.006236023),
    ("ounces per gallon (US)", 0.007489152),
    ("ounces per gallon", 0.007489152),
    ("pounds per cubic foot", 0.016018463),
    ("pounds per gallon (UK)", 0.099776373),
    ("pounds per gallon (US)", 0.119826427),
    ("pounds per gallon", 0.119826427),
    ("tonnes per cubic meter", 1.0),
    ("tons per cubic yard (UK)", 1.328939184),
    ("tons per cubic yard (US)", 1.186552843),
    ("tons per cubic yard", 1.186552843),
];

/// Time units, in seconds.
pub const TIME: &[(&str, f64)] = &[
    ("picoseconds", 1e-12),
    ("femtoseconds", 1e-15),
    ("nanoseconds", 1e-09),
    ("microseconds", 1e-06),
    ("milliseconds", 0.001),
    ("seconds", 1.0),
    ("minutes", 60.0),
    ("hours", 3600.0),
    ("days", 86400.0),
    ("weeks", 604800.0),
    ("fortnights", 1209600.0),
    ("months", 2628000.0),
    ("quarters", 7884000.0),
    ("synodic months", 2551442.8896),
    ("years", 31556952.0),
    ("decades", 315569520.0),
    ("centuries", 3155695200.0),
    ("millennia", 31556952000.0),
];

/// Temperature units (converted by formula, see `convert`).
pub const TEMPERATURE: &[&str] = &["celsius", "fahrenheit", "kelvin"];

/// Angle units (converted by formula, see `convert`).
pub const ANGLE: &[&str] = &["degrees", "radians", "arcmin", "arcsec", "turns", "gons"];
