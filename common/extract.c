/* extract.c: the qualification facts a lead's message states, by the
 * contract of shared/eval/EXTRACTION.md.
 *
 * The text is first normalized into the extractor's buffer (ASCII lowercase,
 * typographic quotes and dashes made plain) so that every pattern sees one
 * spelling. Each field then has one PCRE2 pattern, compiled once with JIT,
 * whose top-level capture groups name what matched (which feature, which
 * timeline form...). Context decides the rest, read from small windows
 * around a match with anchored patterns: what precedes a feature or a place
 * in its clause ("no pool", "forget Fontana"), what precedes and follows an
 * amount ("under 500k", "100k down", "700k for ours"). Amounts and number
 * words are parsed by amount.c; whether a bare "450" is thousands, monthly
 * rent or nothing depends on those cues and on the message's intent, so
 * intent is settled first and money last.
 *
 * Places come from the gazetteer, a byte trie over names folded to
 * lowercase letters and digits (spacing and punctuation dropped); a match
 * starts and ends on word boundaries of the text and the longest wins. The
 * extractor owns its match data and buffers: one per thread, no allocation
 * per message beyond the output lists. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/amount.h"
#include "recall/error.h"
#include "recall/extract.h"

/* ---- patterns ------------------------------------------------------------ */

#define NUMW "(?:\\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
#define FILL "(?:\\h+(?!(?:but|and|with|plus|also|must|though|so|just|only|because|since|definitely|yet|already)\\b)[\\w'-]+){0,5}\\h*$"

enum {
        RE_INTENT,    /* 1 sell first 2 sell 3 list/value 4 buy 5 buyer noun 6 rent 7 renter */
        RE_NOT_OURS,  /* before "sell": someone else sells */
        RE_BUYER_NOT, /* before "buyer": a seller's buyer */
        RE_FIN,       /* 1 cash 2 pre-approved 3 lender 4 needs a loan */
        RE_FIN_NEG,   /* before a pre-approval: not (yet) */
        RE_FIN_POST,  /* after one: 1 "no" 2 "yes" */
        RE_LENDER,    /* before "lender": needs one */
        RE_NEG,       /* before a feature or type: not wanted */
        RE_NEG_POST,  /* after it: "not needed" */
        RE_TYPE,      /* 1 sfr 2 condo 3 town 4 multi 5 land 6 acres 7 manufactured */
        RE_BEDS,      /* 1 count, 2 count of "beds: 3" */
        RE_BATHS,     /* 1 count, 2 count of "baths: 2" */
        RE_SLASH,     /* 1 beds / 2 baths: "4/2.5" */
        RE_TIME,      /* 1 imm 2 3mo 3 6mo 4 12mo 5 over 6 browsing; 7-10 a duration */
        RE_TIME_PRE,  /* before a duration: not a horizon */
        RE_TIME_POST, /* after one: not a horizon */
        RE_FEAT,      /* 1..12: the must-haves in contract order */
        RE_PRECUE,    /* before an amount: 1 seller 2 soft price 3 approval 4 min 5 max 6 between */
        RE_IGNORE,    /* before an amount: not a budget (owed, down payment...) */
        RE_POSTCUE,   /* after: 1 ignore 2 monthly 3 unit 4 for ours 5 min 6 max */
        RE_STREET,    /* after a 5-digit number: a street address */
        RE_LOC_PRE,   /* before a place: 1 dropped 2 dropped if "off" follows */
        RE_LOC_POST,  /* after a place: 1 dropped 2 "off"/"out" */
        RE_SQFT,      /* 1 a living area: "1,850 sq ft", "2.1k sqft" */
        RE_COUNT,
};

static const char *const patterns[RE_COUNT] = {
        [RE_INTENT] =
                "(\\bsell\\w*\\h+(?:[\\w'-]+\\h+){0,7}?first\\b"
                "|\\bbefore\\h+(?:we|i)\\h+(?:can\\h+)?(?:buy|purchase)\\b|\\bcontingent\\b)"
                "|(\\bsell(?:ing)?\\b)"
                "|(\\blist(?:ing)?\\h+(?:my|our|his|her|their|this|it|mom'?s|dad'?s|moms|dads)\\b"
                "|\\b(?:want|wants|like|plan|planning|ready|going|need|looking|hoping|time|hope)\\h+to\\h+list\\b"
                "|\\b(?:it|house|home|place|condo|property|townhouse|townhome)\\h+listed\\b"
                "|\\b(?:put|putting|get|getting)\\h+(?:\\w+\\h+){0,3}on\\h+the\\h+market\\b"
                "|\\bwhat(?:'s|s|\\h+is)\\h+(?:my|our)\\h+(?:[\\w-]+\\h+){0,3}worth\\b"
                "|\\bhow\\h+much\\h+(?:is|would|could|can|will|might)\\h+(?:my|our)\\b"
                "|\\bhome\\h+value\\b|\\bvalue\\h+of\\h+(?:my|our)\\b)"
                "|(\\b(?:buy|buying|purchase|purchasing)\\b|\\b(?:house|home)[- ]?(?:hunting|shopping)\\b)"
                "|(\\bbuyers?\\b|\\binvestor\\b|\\binvestment\\h+propert(?:y|ies)\\b"
                "|\\b(?:make|put\\h+in|write|submit)\\h+an?\\h+offer\\b)"
                "|(\\b(?:looking|want|wanting|wanted|need|needs|needing|hoping|trying|planning|plan|like|prefer|rather|going|ready)\\h+to\\h+(?:rent|lease)\\b(?!\\h+out)"
                "|\\b(?:to|for)\\h+(?:rent|lease)\\b(?!\\h+out)"
                "|\\brentals?\\b(?!\\h+(?:propert|income|unit|portfolio|business|investment|history))"
                "|\\bapartment\\h+hunting\\b)"
                "|(\\b(?:we|i)(?:'re|'m|\\h+are|\\h+am)?\\h+(?:currently\\h+|still\\h+|now\\h+|just\\h+)?rent(?:ing)?\\b(?!\\h+out)"
                "|\\b(?:are|am|'re)\\h+(?:currently\\h+|still\\h+)?renting\\b(?!\\h+out)"
                "|\\bcurrently\\h+renting\\b|\\brenters\\b"
                "|\\bfirst[- ]time(?=\\h+(?:home\\h*)?buyers?)"
                "|\\b(?:our|my)\\h+first\\h+(?:home|house|place|property|condo)\\b"
                "|\\b(?:never|don'?t|do\\h+not)\\h+own(?:ed)?\\b"
                "|\\bliving\\h+with\\h+(?:my\\h+|our\\h+)?(?:parents|family|in-?laws)\\b"
                "|\\b(?:our|my)\\h+lease\\h+(?:is|ends|expires|runs)\\b)",
        [RE_NOT_OURS] =
                "\\b(?:landlords?|owners?|they|he|she|sellers?|builders?|neighbou?rs?|people|someone|"
                "folks|realtors?|agents?|bank|family)(?:'s|'re)?\\h+"
                "(?:(?:is|are|was|were|will\\h+be|might\\h+be|plans?\\h+to|wants?\\h+to|decided\\h+to|"
                "going\\h+to|trying\\h+to)\\h+)?$",
        [RE_BUYER_NOT] =
                "\\b(?:find|found|get|got|attract|bring|have|has|any|for)\\h+(?:me\\h+|us\\h+)?"
                "(?:an?\\h+|the\\h+)?$",
        [RE_FIN] =
                "(\\bcash\\b(?![- ]?(?:flow|out\\b|back)))"
                "|(\\bpre[- ]?approv(?:ed|al)\\b|\\bpre[- ]?qual(?:ified|ification)?\\b"
                "|\\b(?:got|been|was|were|are|am|'re|already|just|loan|fully|fha|va|usda|conventional)\\h+approved\\b"
                "|\\bapproved\\h+(?:for|up\\h+to|to)\\b)"
                "|(\\blenders?\\b|\\bloan\\h+officers?\\b|\\bmortgage\\h+brokers?\\b)"
                "|(\\bneed\\h+(?:financing|a\\h+(?:loan|mortgage))\\b)",
        [RE_FIN_NEG] =
                "(?:(?:\\b(?:not|never|no|without|yet|havent|hasnt|arent|isnt|dont|wasnt|werent)|n't)\\b"
                "(?:\\h+(?!(?:but|and|so|just|already|got)\\b)[\\w'-]+){0,3}"
                "|\\b(?:need|needs|want|wanting|hope|hoping|plan|planning|trying|going|working\\h+on|"
                "would\\h+like|how\\h+(?:do|can)\\h+(?:i|we)|help\\h+(?:me|us)|process\\h+of|about|will|"
                "should|gotta|have)\\h+(?:to\\h+)?(?:get|getting|be|become)|\\bget(?:ting)?)\\h*$",
        [RE_FIN_POST] = "\\h*(?:[:?=-]\\h*)?(?:(no|nope|not\\h+yet|n/a)\\b|(yes|yep)\\b)",
        [RE_LENDER] =
                "\\b(?:need|needs|find|finding|haven'?t|have\\h+not|not\\h+yet|no|any|know|recommend|"
                "get|getting|looking\\h+for|yet\\h+to|don'?t\\h+have|without|suggest|refer)\\b"
                "(?:\\h+[\\w'-]+){0,4}\\h*$",
        [RE_NEG] =
                "(?:\\b(?:no|not|never|without|nor|skip|avoid|scratch|forget|drop|nix|hate|dislike|"
                "remove|neither|minus|except|dont|doesnt|didnt|wont|cant|isnt|arent|havent|wouldnt)|"
                "n't|\\bcross\\h+off|\\binstead\\h+of|\\brather\\h+than|\\bno\\h+need\\h+for)\\b" FILL,
        [RE_NEG_POST] =
                "\\h*(?:(?:is|are|'s)\\h+)?(?:(?:not|no\\h+longer)\\h+(?:a\\h+)?"
                "(?:must|needed|necessary|required|important|priority|dealbreaker|big\\h+deal)"
                "|(?:isn'?t|aren'?t)\\h+(?:a\\h+)?(?:must|needed|necessary|required|important|priority)"
                "|optional\\b|a\\h+no[- ]go\\b|out\\b)",
        [RE_TYPE] =
                "(\\bsingle[- ]?family\\b|\\bsf[rh]s?\\b"
                "|\\bdetached\\b(?!\\h+(?:garage|adu|casita|guest|studio|unit|office|workshop|shop))"
                "|\\bstand[- ]?alone\\h+(?:house|home)s?\\b)"
                "|(\\bcondo(?:s|minium|miniums)?\\b)"
                "|(\\btown\\h?(?:home|house)s?\\b|\\brow\\h?(?:home|house)s?\\b)"
                "|(\\b(?:duplex|triplex|fourplex|quadplex|quadruplex|fiveplex|multiplex)(?:es)?\\b"
                "|\\b(?:2|3|4|two|three|four)[- ]?plex(?:es)?\\b|\\bmulti[- ]?(?:family|unit|fam)\\b"
                "|\\bapartment\\h+(?:building|complex)\\b)"
                "|(\\b(?:vacant|raw|empty|buildable|residential|undeveloped)\\h+(?:land|lots?|parcels?)\\b"
                "|(?<!some\\h)(?<!with\\h)(?<!more\\h)\\bland\\b|\\bacreage\\b|\\bparcels?\\b"
                "|\\b(?:buy|buying|purchase|purchasing)\\h+(?:an?\\h+)?(?:\\w+\\h+)?lots?\\b(?!\\h+of)"
                "|\\ba\\h+lot\\h+(?:in|to\\h+build|for\\h+sale|near|around|zoned)\\b)"
                "|(\\bacres?\\b)"
                "|(\\bmobile\\h?homes?\\b|\\bmanufactured\\b|\\bmodular\\h+homes?\\b"
                "|\\b(?:double|single|triple)[- ]?wides?\\b)",
        [RE_BEDS] =
                "(?<![\\w$.,])(" NUMW ")\\h*(?:\\+|plus)?\\h*(?:(?:-|to|or|/)\\h*" NUMW "\\h*\\+?\\h*)?"
                "(?:-\\h*)?(?:bed(?:room)?s?|bd(?:rm)?s?|brs?|bdrms?)\\b"
                "|\\b(?:bed(?:room)?s|beds?)\\h*[:=]\\h*(\\d{1,2})\\b",
        [RE_BATHS] =
                "(?<![\\w$.,])((?:\\d(?:\\.\\d{1,2})?|one|two|three|four|five|six)"
                "(?:\\h+and\\h+a\\h+half|\\h*1/2|\\x{00bd})?)\\h*(?:\\+|plus)?\\h*"
                "(?:(?:-|to|or)\\h*\\d(?:\\.\\d)?\\h*\\+?\\h*)?(?:-\\h*)?(?:full\\h+)?"
                "(?:ba|bas|bath(?:room)?s?|bths?)\\b"
                "|\\b(?:bath(?:room)?s|baths?)\\h*[:=]\\h*(\\d(?:\\.\\d{1,2})?)",
        [RE_SLASH] =
                "(?<![\\w/.$,])(?<!on\\h)(?<!by\\h)(?<!til\\h)(?<!after\\h)(?<!before\\h)(?<!since\\h)"
                "([2-9])\\h*/\\h*([1-9](?:\\.5|\\.75)?)(?![\\d.])(?!\\h*/\\h*\\d{2})"
                "(?!\\h*(?:bath|ba\\b|acre|mile|hour|day|price))",
        [RE_TIME] =
                "(\\basap\\b|\\ba\\.s\\.a\\.p\\b|\\bas\\h+soon\\h+as\\h+(?:possible|we\\h+can|i\\h+can|we\\h+could)\\b"
                "|\\bright\\h+away\\b|\\bimmediately\\b|\\burgent(?:ly)?\\b"
                "|\\b(?:this|(?:by\\h+)?(?:the\\h+)?end\\h+of\\h+(?:the|this))\\h+month\\b)"
                "|(\\bnext\\h+month\\b)"
                "|(\\b(?:this|by|by\\h+the|before|before\\h+the|over\\h+the|in\\h+the)\\h+"
                "(?:summer|spring|fall|autumn|winter)\\b|\\bbefore\\h+(?:the\\h+)?school\\h+(?:year\\h+)?starts\\b)"
                "|(\\bwithin\\h+the\\h+year\\b|\\bthis\\h+year\\b|\\bend\\h+of\\h+(?:the\\h+|this\\h+|next\\h+)?year\\b"
                "|\\bnext\\h+year\\b|\\bnext\\h+(?:summer|spring|fall|autumn|winter)\\b)"
                "|(\\b(?<!a\\h)year\\h+or\\h+two\\b)"
                "|(\\bjust\\h+(?:browsing|looking(?!\\h+(?:for|to)\\b)|curious|window[- ]shopping"
                "|starting\\h+(?:to\\h+look|out|my\\h+search|our\\h+search)|checking\\h+(?:things\\h+)?out)"
                "|\\bbrowsing\\b|\\bwindow[- ]shopping\\b|\\bnot\\h+(?:quite\\h+)?ready\\b"
                "|\\b(?:won'?t|will\\h+not|not\\h+going\\h+to)\\h+(?:buy|sell|move|be\\h+buying)\\h+for\\h+a\\h+while\\b)"
                "|(?<![\\w$.,/])(\\d{1,3}|a\\h+couple(?:\\h+of)?|couple(?:\\h+of)?|a\\h+few|few|several|an?|"
                "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|"
                "twenty|thirty|forty[- ]five|sixty|ninety)"
                "(?:\\h*(?:-|to|or)\\h*(\\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                "twelve|eighteen|twenty|thirty|sixty|ninety))?\\h*-?\\h*"
                "(days?|weeks?|wks?|months?|mos?|years?|yrs?)\\b(?:\\h+or\\h+(two|three|\\d))?",
        [RE_TIME_PRE] =
                "(?:(?<!move\\h)(?<!moving\\h)(?<!buy\\h)(?<!buying\\h)(?<!sell\\h)(?<!selling\\h)"
                "\\b(?:for|been|past|last|lived|owned|had|every|per|since|after|once)\\h+"
                "(?:(?:the|about|around|over|almost|nearly|like|an?)\\h+)*"
                "|(?:\\d|\\dk)\\h*)$",
        [RE_TIME_POST] =
                "\\h*-?\\h*(?:ago|old|fixed|arm\\b|mortgage|loan|lease\\b|term\\b|note\\b|of\\h+"
                "(?:reserves|experience|employment|history))",
        [RE_FEAT] =
                "(\\bpools?\\b(?!\\h+(?:table|hall|cue))(?<!car\\hpool)(?<!car\\hpools))"
                "|(\\bgarages?\\b(?!\\h+sale))"
                "|(\\b(?:back|front)?yards?\\b(?!\\h+sale)|\\b(?:back|front)\\h+yards?\\b"
                "|\\b(?:big|large|huge|bigger|larger)\\h+lot\\b)"
                "|(\\b(?:single|one|1)[- ]?(?:story|storey|level)\\b|\\bno\\h+stairs\\b"
                "|\\branch[- ]style\\b|\\bground[- ]floor\\b)"
                "|(\\bviews?\\b(?!\\h+(?:it|the|this|that|them|homes?|houses?|propert(?:y|ies)|listings?))"
                "(?<!to\\hview)(?<!can\\hwe\\hview)(?<!please\\hview))"
                "|(\\bnew[- ]?(?:construction|builds?|built|developments?)\\b|\\bnewly[- ]built\\b"
                "|\\bbrand[- ]new\\h+(?:home|house|build|construction|condo|townhome)s?\\b)"
                "|(\\b(?:good|great|top|best|excellent|strong|better|top[- ]rated|highly[- ]rated|"
                "blue[- ]ribbon|award[- ]winning|decent|nice)\\h+(?:\\w+\\h+)?schools?\\b"
                "|\\bschools?\\h+(?:is|are)\\h+(?:a\\h+)?(?:must|important|priority|key))"
                "|(\\bhome[- ]?offices?\\b|\\b(?:an|dedicated|separate|extra)\\h+(?:\\w+\\h+)?office\\b"
                "|\\boffice\\h+(?:space|room)\\b|\\broom\\h+for\\h+(?:an?\\h+)?office\\b)"
                "|(\\bj?adus?\\b|\\bcasitas?\\b|\\bgranny\\h+(?:flat|unit|suite)s?\\b"
                "|\\bguest\\h+(?:house|home|quarters|suite|unit)s?\\b"
                "|\\bin[- ]?law\\h+(?:suite|unit|quarters|apartment)s?\\b|\\bmother[- ]in[- ]law\\b"
                "|\\baccessory\\h+dwelling\\b|\\bseparate\\h+(?:living\\h+)?(?:unit|quarters)\\b"
                "|\\bmulti[- ]?gen(?:erational)?\\b)"
                "|(\\bbasements?\\b|\\bcellar\\b)"
                "|(\\b(?:water|lake|ocean|beach|river|bay|canal|creek)[- ]?front(?:age)?\\b"
                "|\\bon\\h+the\\h+(?:water|lake|river|beach)\\b|\\bboat\\h+(?:dock|slip|lift)s?\\b"
                "|\\bprivate\\h+dock\\b|\\b(?:lake|water)\\h+access\\b)"
                "|(\\bno\\h+hoas?\\b|\\bwithout\\h+(?:an?\\h+)?hoas?\\b|\\bhoa[- ]free\\b|\\bnon[- ]hoa\\b"
                "|\\bno\\h+homeowners?'?\\h+association\\b"
                "|\\b(?:don'?t|do\\h+not|doesn'?t)\\h+want\\h+(?:an?\\h+|any\\h+)?hoas?\\b|\\bzero\\h+hoa\\b)",
        [RE_PRECUE] =
                "(?:((?:take|accept)\\h+less\\h+than|asking(?:\\h+price)?|ask(?:\\h+for)?"
                "|list(?:\\h+(?:it|her|ours))?\\h+(?:for|at)|sell(?:\\h+(?:it|ours))?\\h+for)"
                "|(hoping\\h+(?:to\\h+get|for)|hope\\h+(?:to\\h+get|for)|(?:to\\h+)?get|getting|would\\h+love"
                "|take|accept|plan\\h+on|go\\h+with|like|want)"
                "|(approv\\w*|pre[- ]?qual\\w*)"
                "|(at\\h+least|minimum(?:\\h+of)?|min|over|above|more\\h+than|starting\\h+(?:at|from)|from"
                "|no\\h+less\\h+than|north\\h+of|upwards\\h+of)"
                "|(under|below|up\\h+to|upto|max(?:imum)?|(?:no|not|nothing)\\h+(?:more\\h+than|over|above|"
                "higher\\h+than)|less\\h+than|at\\h+most|budget(?:'s)?|around|about|approx(?:imately)?"
                "|roughly|~|ceiling|cap|afford|spend|(?:go|going)\\h+(?:up\\h+)?to|(?:can|could)\\h+do"
                "|price\\h+range|range)"
                "|(between))"
                "(?:\\h*(?:the|a|about|around|like|roughly|approx|approximately|maybe|only|just|up\\h+to|to|"
                "of|is|for|at|:|-|\\$|~|somewhere|something|anything|probably|prob|say|in)\\b)*\\h*[:$~]?\\h*$",
        [RE_IGNORE] =
                "\\b(?:owe[ds]?|owing|down\\h*payment|put(?:ting)?\\h+down|deposit|income|salary|"
                "(?:we|i)\\h+make|making|earn(?:ing)?|saved|savings|paid|bought|rent\\h+is|"
                "hoa(?:\\h+fees?)?|taxes|credit\\h+score|fico|equity|balance|payoff)"
                "(?:\\h*(?:about|around|roughly|approx(?:imately)?|like|only|just|almost|"
                "nearly|is|of|are|at|was|it|for|~|:|\\$))*\\h*$",
        [RE_POSTCUE] =
                "\\h*(?:(down\\b|(?:for\\h+(?:a|the|our)\\h+)?down\\h*payment|in\\h+(?:savings|equity|"
                "income|debt|the\\h+bank)|saved|equity|a\\h+year|per\\h+year|annually|/\\h*y(?:ea)?r\\b|"
                "salary|income|owed|left\\h+on)"
                "|(/\\h*mo(?:nth)?\\b|(?:a|per|each|every)\\h+month\\b|monthly\\b|/\\h*m\\b|mo\\b|in\\h+rent\\b)"
                "|((?:-\\h*)?(?:bed|bd|br\\b|bath|ba\\b|cars?\\b|kids?\\b|children|dogs?\\b|cats?\\b|acres?\\b|"
                "sq|sf\\b|square|ft\\b|feet|foot|days?\\b|weeks?\\b|wks?\\b|months?\\b|mos\\b|years?\\b|"
                "yrs?\\b|hours?\\b|hrs?\\b|min\\b|mins\\b|minutes?\\b|pm\\b|am\\b|o'?clock|%|percent|"
                "units?\\b|stor(?:y|ies)|people|persons?\\b|miles?\\b|mi\\b|points?\\b|credit|score|fico|"
                "and\\h+(?:older|over)|or\\h+older|\\+?\\h*communit|\\+?\\h*park\\b|yo\\b|y/o|st\\b|nd\\b|"
                "rd\\b|th\\b|x\\b|of\\h+(?:us|them|the)\\b|times?\\b|lots?\\b|homes?\\b|houses?\\b|"
                "listings?\\b|properties|level|master|full|half|garage|plex|offers?\\b|showings?\\b|"
                "[/:]\\d))"
                "|(for\\h+(?:it|ours|mine|the\\h+(?:house|home|place|condo|townhome|townhouse|property)|"
                "(?:our|my)\\h+(?:house|home|place|condo|townhome|townhouse|property|current\\h+\\w+))\\b)"
                "|(\\+|plus\\b|or\\h+(?:more|higher|above|up)\\b|and\\h+up\\b|and\\h+above\\b|minimum\\b|"
                "min\\b|at\\h+least\\b)"
                "|(max(?:imum)?\\b|tops\\b|or\\h+(?:less|under|below|lower)\\b|and\\h+under\\b|"
                "and\\h+below\\b|budget\\b|ish\\b|range\\b|ceiling\\b|cap\\b|at\\h+most\\b|or\\h+so\\b|"
                "limit\\b|is\\h+(?:my|our|the)\\h+(?:max|limit|budget|ceiling)))",
        [RE_STREET] =
                "\\h+(?:[nsew]\\.?\\h+|north\\h+|south\\h+|east\\h+|west\\h+)?(?:[\\w'-]+\\h+){0,3}?"
                "(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|ln|lane|ct|cir|pkwy|parkway|"
                "hwy|highway)\\b",
        [RE_LOC_PRE] =
                "(?:(\\b(?:forget(?:\\h+about)?|scratch(?:\\h+off)?|cross\\h+(?:off|out)|drop|remove|nix|"
                "skip|rule\\h+out|ruling\\h+out|exclude|leave\\h+out|not\\h+interested\\h+in|"
                "no\\h+longer\\h+(?:interested\\h+in|considering|want|looking\\h+(?:at|in))|"
                "never\\h*mind(?:\\h+(?:on|about))?|no\\h+more|not\\h+(?:considering|looking\\h+(?:at|in)))"
                "\\h+(?:the\\h+|on\\h+|in\\h+)?)"
                "|(\\b(?:take|cross|knock|leave|scratch|strike)\\h+))$",
        [RE_LOC_POST] =
                "\\h*(?:((?:is|'s)\\h+(?:out|off\\h+the\\h+(?:list|table))\\b|off\\h+(?:the|my|our)\\h+list\\b|"
                "anymore\\b|is\\h+a\\h+no\\b)|(off|out)\\b)",
        [RE_SQFT] =
                "(?<![\\w$.,])(\\d{1,2},\\d{3}|\\d{3,5}|\\d{1,2}(?:\\.\\d{1,2})?\\h*k)\\h*\\+?\\h*-?\\h*"
                "(?:sq(?:uare)?\\.?\\h*(?:ft|feet|foot|f)\\b\\.?|sqft\\b|sf\\b|ft2\\b|square\\b)"
                "(?!\\h*(?:lot|of\\h+(?:lot|land)|yard|garage|adu|casita|shop|barn|basement))",
};

/* Flags of RE_* patterns anchored at the start of the subject. */
static int anchored(int id)
{
        return id == RE_FIN_POST || id == RE_NEG_POST || id == RE_TIME_POST ||
               id == RE_POSTCUE || id == RE_STREET || id == RE_LOC_POST;
}

/* Patterns run over the whole text (the others test a window). */
static int scans(int id)
{
        return id == RE_INTENT || id == RE_FIN || id == RE_TYPE || id == RE_BEDS ||
               id == RE_BATHS || id == RE_SLASH || id == RE_TIME || id == RE_FEAT ||
               id == RE_SQFT;
}

/* ---- gazetteer ------------------------------------------------------------ */

/* A trie node: children are a sibling list, except the root's (a table). */
struct gnode {
        int child;
        int sibling;
        int entry; /* index into names, -1 when no name ends here */
        unsigned char c;
};

struct recall_gazetteer {
        char **names; /* as the file writes them, trimmed; owned */
        size_t n_names;
        struct gnode *nodes; /* nodes[0] is the root */
        size_t n_nodes, cap_nodes;
        int root[256];
};

/* Letters and digits are word characters, and so are the 2-byte UTF-8
 * sequences of Latin letters (U+00C0..U+027F: é, ñ, ü); other non-ASCII
 * characters (emoji, typographic punctuation) separate words. Returns the
 * length of the character at s[i] and sets *word; folds it into out (ASCII
 * and Latin-1 uppercase to lowercase). */
static size_t fold_char(const unsigned char *s, size_t len, size_t i, int *word,
                        unsigned char out[2])
{
        unsigned char b = s[i];
        size_t n;

        if (b < 0x80) {
                *word = isalnum(b) != 0;
                out[0] = (unsigned char)tolower(b);
                return 1;
        }
        n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (i + n > len)
                n = len - i;
        *word = n == 2 && b >= 0xc3 && b <= 0xc9;
        if (*word) {
                out[0] = b;
                out[1] = s[i + 1];
                if (b == 0xc3 && out[1] >= 0x80 && out[1] <= 0x9e && out[1] != 0x97)
                        out[1] += 0x20;
        }
        return n;
}

static int utf8_valid(const unsigned char *s, size_t len)
{
        size_t i = 0, n;
        unsigned cp, min;

        while (i < len) {
                unsigned char b = s[i];

                if (b < 0x80) {
                        i++;
                        continue;
                }
                if (b >= 0xc2 && b <= 0xdf) {
                        n = 1;
                        cp = b & 0x1f;
                        min = 0x80;
                } else if (b >= 0xe0 && b <= 0xef) {
                        n = 2;
                        cp = b & 0x0f;
                        min = 0x800;
                } else if (b >= 0xf0 && b <= 0xf4) {
                        n = 3;
                        cp = b & 0x07;
                        min = 0x10000;
                } else {
                        return 0;
                }
                for (size_t k = 1; k <= n; k++) {
                        if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                                return 0;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return 0;
                i += n + 1;
        }
        return 1;
}

static int gaz_child(const recall_gazetteer_t *gaz, int node, unsigned char c)
{
        int k;

        if (node == 0)
                return gaz->root[c];
        for (k = gaz->nodes[node].child; k; k = gaz->nodes[k].sibling)
                if (gaz->nodes[k].c == c)
                        return k;
        return 0;
}

static int gaz_add_node(recall_gazetteer_t *gaz, int parent, unsigned char c)
{
        struct gnode *nodes;
        int k;

        if (gaz->n_nodes == gaz->cap_nodes) {
                size_t cap = gaz->cap_nodes ? gaz->cap_nodes * 2 : 256;

                if (!(nodes = realloc(gaz->nodes, cap * sizeof(*nodes))))
                        return -1;
                gaz->nodes = nodes;
                gaz->cap_nodes = cap;
        }
        k = (int)gaz->n_nodes++;
        gaz->nodes[k] = (struct gnode){.child = 0, .sibling = 0, .entry = -1, .c = c};
        if (parent == 0) {
                gaz->root[c] = k;
        } else {
                gaz->nodes[k].sibling = gaz->nodes[parent].child;
                gaz->nodes[parent].child = k;
        }
        return k;
}

/* Adds one name (not NUL-terminated); names without a word character are
 * skipped, and a name whose folded key is already present keeps the first
 * spelling. 0 or RECALL_ENOMEM. */
static int gaz_add(recall_gazetteer_t *gaz, const char *name, size_t len)
{
        const unsigned char *s = (const unsigned char *)name;
        unsigned char f[2];
        size_t i = 0, n;
        int node = 0, next, word, any = 0;
        char **names;

        while (i < len) {
                n = fold_char(s, len, i, &word, f);
                for (size_t k = 0; word && k < n; k++) {
                        if (!(next = gaz_child(gaz, node, f[k])) &&
                            (next = gaz_add_node(gaz, node, f[k])) < 0)
                                return RECALL_ENOMEM;
                        node = next;
                        any = 1;
                }
                i += n;
        }
        if (!any || gaz->nodes[node].entry >= 0)
                return 0;
        if (!(names = realloc(gaz->names, (gaz->n_names + 1) * sizeof(*names))))
                return RECALL_ENOMEM;
        gaz->names = names;
        if (!(names[gaz->n_names] = strndup(name, len)))
                return RECALL_ENOMEM;
        gaz->nodes[node].entry = (int)gaz->n_names++;
        return 0;
}

recall_gazetteer_t *recall_gazetteer_parse(const char *text, size_t len, char *errstr,
                                           size_t errstr_size)
{
        recall_gazetteer_t *gaz;
        size_t i = 0, line = 0, a, b;

        if (!text && len) {
                recall_error_set(errstr, errstr_size, "no gazetteer text");
                return NULL;
        }
        if (!(gaz = calloc(1, sizeof(*gaz))) || gaz_add_node(gaz, 0, 0) < 0)
                goto nomem;
        while (i < len) {
                line++;
                for (b = i; b < len && text[b] != '\n'; b++)
                        ;
                if (!utf8_valid((const unsigned char *)text + i, b - i)) {
                        recall_error_set(errstr, errstr_size, "line %zu: not UTF-8", line);
                        goto fail;
                }
                for (a = i; a < b && isspace((unsigned char)text[a]); a++)
                        ;
                i = b + 1;
                while (b > a && isspace((unsigned char)text[b - 1]))
                        b--;
                if (a == b || text[a] == '#')
                        continue;
                if (gaz_add(gaz, text + a, b - a))
                        goto nomem;
        }
        return gaz;
nomem:
        recall_error_set(errstr, errstr_size, "out of memory");
fail:
        recall_gazetteer_destroy(gaz);
        return NULL;
}

recall_gazetteer_t *recall_gazetteer_load(const char *path, char *errstr, size_t errstr_size)
{
        recall_gazetteer_t *gaz = NULL;
        char *text = NULL, err[256];
        size_t len = 0, cap = 0, n;
        FILE *f;

        if (!(f = fopen(path, "rb"))) {
                recall_error_set(errstr, errstr_size, "cannot open '%s': %s", path, strerror(errno));
                return NULL;
        }
        for (;;) {
                if (len == cap) {
                        char *t = realloc(text, cap ? cap * 2 : 4096);

                        if (!t) {
                                recall_error_set(errstr, errstr_size, "out of memory");
                                goto out;
                        }
                        text = t;
                        cap = cap ? cap * 2 : 4096;
                }
                n = fread(text + len, 1, cap - len, f);
                len += n;
                if (n == 0)
                        break;
        }
        if (ferror(f)) {
                recall_error_set(errstr, errstr_size, "cannot read '%s': %s", path, strerror(errno));
                goto out;
        }
        if (!(gaz = recall_gazetteer_parse(text, len, err, sizeof(err))))
                recall_error_set(errstr, errstr_size, "%s: %s", path, err);
out:
        fclose(f);
        free(text);
        return gaz;
}

void recall_gazetteer_destroy(recall_gazetteer_t *gaz)
{
        if (!gaz)
                return;
        for (size_t i = 0; i < gaz->n_names; i++)
                free(gaz->names[i]);
        free(gaz->names);
        free(gaz->nodes);
        free(gaz);
}

size_t recall_gazetteer_size(const recall_gazetteer_t *gaz)
{
        return gaz ? gaz->n_names : 0;
}

/* ---- extractor ------------------------------------------------------------ */

/* a place found in the text: a gazetteer entry, or a ZIP (entry -1) */
struct place {
        size_t start, end;
        int entry;
        int dropped;
};

struct recall_extractor {
        pcre2_code *re[RE_COUNT];
        pcre2_match_data *md;
        char *buf; /* the normalized text */
        size_t cap;
        unsigned char *norm; /* the text folded to word bytes, for the gazetteer */
        size_t *origin;      /* norm[k] came from buf[origin[k]] */
        unsigned char *edge; /* 1 starts a word, 2 ends one */
        size_t cap_norm;
        struct place *places;
        size_t n_places, cap_places;
};

recall_extractor_t *recall_extractor_new(char *errstr, size_t errstr_size)
{
        recall_extractor_t *ex;
        PCRE2_UCHAR msg[256];
        PCRE2_SIZE at;
        char pattern[4096];
        int err;

        if (!(ex = calloc(1, sizeof(*ex)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        for (int i = 0; i < RE_COUNT; i++) {
                uint32_t opts = PCRE2_CASELESS | PCRE2_UTF | PCRE2_DOLLAR_ENDONLY;

                if (anchored(i))
                        opts |= PCRE2_ANCHORED;
                /* every match of a scanning pattern starts a word: one test
                 * there spares trying each alternative at every byte */
                snprintf(pattern, sizeof(pattern), scans(i) ? "\\b(?:%s)" : "%s", patterns[i]);
                ex->re[i] = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts,
                                          &err, &at, NULL);
                if (!ex->re[i]) {
                        pcre2_get_error_message(err, msg, sizeof(msg));
                        recall_error_set(errstr, errstr_size, "pattern %d at %zu: %s", i,
                                         (size_t)at, (char *)msg);
                        goto fail;
                }
                /* without JIT (e.g. not supported here) the interpreter runs it */
                pcre2_jit_compile(ex->re[i], PCRE2_JIT_COMPLETE);
        }
        if (!(ex->md = pcre2_match_data_create(32, NULL))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                goto fail;
        }
        return ex;
fail:
        recall_extractor_destroy(ex);
        return NULL;
}

void recall_extractor_destroy(recall_extractor_t *ex)
{
        if (!ex)
                return;
        for (int i = 0; i < RE_COUNT; i++)
                pcre2_code_free(ex->re[i]);
        pcre2_match_data_free(ex->md);
        free(ex->buf);
        free(ex->norm);
        free(ex->origin);
        free(ex->edge);
        free(ex->places);
        free(ex);
}

static const char *const must_names[RECALL_MUST_COUNT] = {
        "pool", "garage", "yard", "single_story", "view", "new_construction",
        "good_schools", "home_office", "adu", "basement", "waterfront", "no_hoa",
};

const char *recall_must_have_name(int i)
{
        return i >= 0 && i < RECALL_MUST_COUNT ? must_names[i] : NULL;
}

/* ---- matching helpers ------------------------------------------------------ */

/* The text being read and what is known of it so far. */
struct scan {
        recall_extractor_t *ex;
        const char *s; /* normalized */
        size_t len;
};

/* Runs pattern id over s[0..end) from *from. On a match returns the number
 * of the first capture group that took part (0 when none), sets [*ms, *me)
 * and moves *from past it; -1 when there is none. */
static int find(const struct scan *sc, int id, size_t end, size_t *from, size_t *ms, size_t *me)
{
        PCRE2_SIZE *ov;
        int rc;

        if (*from > end)
                return -1;
        rc = pcre2_match(sc->ex->re[id], (PCRE2_SPTR)sc->s, end, *from, PCRE2_NO_UTF_CHECK,
                         sc->ex->md, NULL);
        if (rc < 0)
                return -1;
        ov = pcre2_get_ovector_pointer(sc->ex->md);
        *ms = ov[0];
        *me = ov[1];
        *from = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
        while (*from < end && ((unsigned char)sc->s[*from] & 0xc0) == 0x80)
                (*from)++;
        for (int g = 1; g < rc; g++)
                if (ov[2 * g] != PCRE2_UNSET)
                        return g;
        return 0;
}

/* The span of capture group g of the last match. 0 when it is unset. */
static int group(const struct scan *sc, int g, size_t *gs, size_t *ge)
{
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->ex->md);

        if (ov[2 * g] == PCRE2_UNSET)
                return 0;
        *gs = ov[2 * g];
        *ge = ov[2 * g + 1];
        return 1;
}

/* An anchored pattern at pos: its first group, 0, or -1 when it fails. */
static int test_at(const struct scan *sc, int id, size_t pos)
{
        size_t from = pos, ms, me;

        return find(sc, id, sc->len, &from, &ms, &me);
}

/* A pattern ending in '$' over the window s[start..end): group, 0 or -1. */
static int test_before(const struct scan *sc, int id, size_t start, size_t end)
{
        size_t from = start, ms, me;

        return find(sc, id, end, &from, &ms, &me);
}

/* Start of the clause holding pos, at most limit bytes back: after the last
 * '.', '!', '?', ';', newline (and ',' with commas) before pos. */
static size_t clause_start(const struct scan *sc, size_t pos, size_t limit, int commas)
{
        size_t i = pos, stop = pos > limit ? pos - limit : 0;
        const char *s = sc->s;

        while (i > stop) {
                char c = s[i - 1];

                if (c == '!' || c == '?' || c == ';' || c == '\n' || (commas && c == ',') ||
                    (c == '.' && (i == pos || s[i] == ' ')) || c == '(' || c == ')')
                        break;
                i--;
        }
        while (i < pos && ((unsigned char)s[i] & 0xc0) == 0x80)
                i++;
        return i;
}

/* Is what starts at pos negated by its clause ("no pool", "don't need a
 * pool") or by what follows the mention at end ("pool not needed")? */
static int negated(const struct scan *sc, size_t pos, size_t end)
{
        return test_before(sc, RE_NEG, clause_start(sc, pos, 60, 1), pos) >= 0 ||
               test_at(sc, RE_NEG_POST, end) >= 0;
}

/* ---- normalization --------------------------------------------------------- */

/* Copies text into ex->buf, lowercase ASCII, with typographic apostrophes,
 * quotes and dashes, tabs and no-break spaces made plain. */
static int normalize(recall_extractor_t *ex, const char *text, size_t len, size_t *out_len)
{
        const unsigned char *s = (const unsigned char *)text;
        size_t i = 0, o = 0;

        if (len + 1 > ex->cap) {
                char *b = realloc(ex->buf, len + 1);

                if (!b)
                        return RECALL_ENOMEM;
                ex->buf = b;
                ex->cap = len + 1;
        }
        while (i < len) {
                unsigned char c = s[i];

                if (c == 0xe2 && i + 2 < len && s[i + 1] == 0x80) {
                        unsigned char d = s[i + 2];

                        if (d == 0x98 || d == 0x99 || d == 0xb2) {
                                ex->buf[o++] = '\'';
                                i += 3;
                                continue;
                        }
                        if (d == 0x9c || d == 0x9d) {
                                ex->buf[o++] = '"';
                                i += 3;
                                continue;
                        }
                        if (d >= 0x90 && d <= 0x95) {
                                ex->buf[o++] = '-';
                                i += 3;
                                continue;
                        }
                }
                if (c == 0xc2 && i + 1 < len && s[i + 1] == 0xa0) {
                        ex->buf[o++] = ' ';
                        i += 2;
                        continue;
                }
                if (c == '\t' || c == '\r')
                        c = ' ';
                ex->buf[o++] = (char)(c < 0x80 ? tolower(c) : c);
                i++;
        }
        ex->buf[o] = '\0';
        *out_len = o;
        return 0;
}

/* ---- places ------------------------------------------------------------------ */

static int add_place(recall_extractor_t *ex, size_t start, size_t end, int entry)
{
        if (ex->n_places == ex->cap_places) {
                size_t cap = ex->cap_places ? ex->cap_places * 2 : 16;
                struct place *p = realloc(ex->places, cap * sizeof(*p));

                if (!p)
                        return RECALL_ENOMEM;
                ex->places = p;
                ex->cap_places = cap;
        }
        ex->places[ex->n_places++] = (struct place){start, end, entry, 0};
        return 0;
}

/* Gazetteer names in the text, longest first at each word start. */
static int find_places(struct scan *sc, const recall_gazetteer_t *gaz)
{
        recall_extractor_t *ex = sc->ex;
        const unsigned char *s = (const unsigned char *)sc->s;
        unsigned char f[2];
        size_t i = 0, n, k = 0, best_end;
        int word, prev = 0, node, best;

        if (!gaz || !gaz->n_names)
                return 0;
        if (sc->len * 2 > ex->cap_norm) {
                size_t cap = sc->len * 2;
                unsigned char *norm = realloc(ex->norm, cap), *edge;
                size_t *origin;

                if (norm)
                        ex->norm = norm;
                origin = realloc(ex->origin, cap * sizeof(*origin));
                if (origin)
                        ex->origin = origin;
                edge = realloc(ex->edge, cap);
                if (edge)
                        ex->edge = edge;
                if (!norm || !origin || !edge)
                        return RECALL_ENOMEM;
                ex->cap_norm = cap;
        }
        while (i < sc->len) {
                n = fold_char(s, sc->len, i, &word, f);
                if (word) {
                        for (size_t b = 0; b < n; b++) {
                                ex->norm[k] = f[b];
                                ex->origin[k] = i + b;
                                ex->edge[k++] = !prev && b == 0;
                        }
                } else if (prev) {
                        ex->edge[k - 1] |= 2;
                }
                prev = word;
                i += n;
        }
        if (prev)
                ex->edge[k - 1] |= 2;
        n = k;
        for (k = 0; k < n; k++) {
                if (!(ex->edge[k] & 1))
                        continue;
                best = -1;
                best_end = k;
                node = 0;
                for (size_t j = k; j < n && (node = gaz_child(gaz, node, ex->norm[j])); j++) {
                        if (gaz->nodes[node].entry >= 0 && (ex->edge[j] & 2)) {
                                best = gaz->nodes[node].entry;
                                best_end = j;
                        }
                }
                if (best < 0)
                        continue;
                if (add_place(ex, ex->origin[k], ex->origin[best_end] + 1, best))
                        return RECALL_ENOMEM;
                k = best_end;
        }
        return 0;
}

/* Marks places taken back: "forget Fontana", "cross off Montclair", "take
 * Norco off", and the places listed right after one ("drop X and Y"). */
static void drop_places(struct scan *sc)
{
        struct place *p = sc->ex->places;

        for (size_t i = 0; i < sc->ex->n_places; i++) {
                int pre = test_before(sc, RE_LOC_PRE, clause_start(sc, p[i].start, 40, 1),
                                      p[i].start);
                int post = test_at(sc, RE_LOC_POST, p[i].end);

                if (pre == 1 || post == 1 || (pre == 2 && post == 2))
                        p[i].dropped = 1;
                else if (i && p[i - 1].dropped) {
                        size_t k = p[i - 1].end;

                        while (k < p[i].start && strchr(" ,&", sc->s[k]))
                                k++;
                        if (k + 3 < p[i].start && !strncmp(sc->s + k, "and", 3))
                                k += 3;
                        else if (k + 2 < p[i].start && !strncmp(sc->s + k, "or", 2))
                                k += 2;
                        while (k < p[i].start && sc->s[k] == ' ')
                                k++;
                        p[i].dropped = k == p[i].start;
                }
        }
}

static int place_cmp(const void *a, const void *b)
{
        const struct place *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

/* ---- the fields ------------------------------------------------------------ */

/* What the intent patterns saw. */
struct intent_cues {
        int sell, buy, buyer, rent, sell_first, renter;
};

static void scan_intent(struct scan *sc, struct intent_cues *ic)
{
        size_t from = 0, ms, me;
        int g;

        memset(ic, 0, sizeof(*ic));
        while ((g = find(sc, RE_INTENT, sc->len, &from, &ms, &me)) > 0) {
                switch (g) {
                case 1:
                        ic->sell_first = 1;
                        ic->sell = 1;
                        break;
                case 2:
                        if (test_before(sc, RE_NOT_OURS, clause_start(sc, ms, 40, 1), ms) < 0)
                                ic->sell = 1;
                        break;
                case 3:
                        ic->sell = 1;
                        break;
                case 4:
                        ic->buy = 1;
                        break;
                case 5:
                        if (test_before(sc, RE_BUYER_NOT, clause_start(sc, ms, 30, 1), ms) < 0)
                                ic->buyer = 1;
                        break;
                case 6:
                        ic->rent = 1;
                        break;
                case 7:
                        ic->renter = 1;
                        break;
                }
        }
}

static const char *decide_intent(const struct intent_cues *ic)
{
        if (ic->sell && (ic->buy || ic->sell_first))
                return "buy_and_sell";
        if (ic->sell)
                return "sell";
        if (ic->buy)
                return "buy";
        if (ic->rent)
                return "rent";
        if (ic->buyer)
                return "buy";
        return NULL;
}

static const char *scan_financing(struct scan *sc)
{
        size_t from = 0, ms, me;
        int g, cash = 0, pre = 0, needs = 0;

        while ((g = find(sc, RE_FIN, sc->len, &from, &ms, &me)) > 0) {
                size_t cs = clause_start(sc, ms, 50, 1);

                switch (g) {
                case 1:
                        if (!negated(sc, ms, me))
                                cash = 1;
                        break;
                case 2:
                        g = test_at(sc, RE_FIN_POST, me);
                        if (g == 1 || (g != 2 && test_before(sc, RE_FIN_NEG, cs, ms) >= 0))
                                needs = 1;
                        else
                                pre = 1;
                        break;
                case 3:
                        if (test_before(sc, RE_LENDER, cs, ms) >= 0)
                                needs = 1;
                        break;
                case 4:
                        needs = 1;
                        break;
                }
        }
        return cash ? "cash" : pre ? "pre_approved" : needs ? "needs_approval" : NULL;
}

static const char *const type_names[] = {
        NULL, "single_family", "condo", "townhouse", "multi_family", "land", "land", "manufactured",
};

static const char *scan_type(struct scan *sc)
{
        size_t from = 0, ms, me;
        int g, weak_land = 0;

        while ((g = find(sc, RE_TYPE, sc->len, &from, &ms, &me)) > 0) {
                if (negated(sc, ms, me))
                        continue;
                if (g == 6) {
                        weak_land = 1;
                        continue;
                }
                return type_names[g];
        }
        /* "2 acres" is land unless a house stands on it */
        if (weak_land && !strstr(sc->s, "house") && !strstr(sc->s, "home"))
                return "land";
        return NULL;
}

/* A count written in digits or words ("3", "three", "2.5", "two and a
 * half") in s[gs..ge), or -1. */
static double count_at(const struct scan *sc, size_t gs, size_t ge)
{
        recall_amount_t a;

        if (!recall_amount_parse(sc->s, ge, gs, &a) || a.scale != 1)
                return -1;
        return a.value;
}

static void scan_rooms(struct scan *sc, recall_extraction_t *x)
{
        size_t from = 0, ms, me, gs = 0, ge = 0;
        double v;
        int g;

        while (x->bedrooms_min < 0 && (g = find(sc, RE_BEDS, sc->len, &from, &ms, &me)) > 0) {
                if (group(sc, g, &gs, &ge) && (v = count_at(sc, gs, ge)) >= 1 && v <= 20)
                        x->bedrooms_min = (int)v;
        }
        from = 0;
        while (x->bathrooms_min < 0 && (g = find(sc, RE_BATHS, sc->len, &from, &ms, &me)) > 0) {
                if (group(sc, g, &gs, &ge) && (v = count_at(sc, gs, ge)) >= 1 && v <= 20)
                        x->bathrooms_min = v;
        }
        if (x->bedrooms_min >= 0 && x->bathrooms_min >= 0)
                return;
        from = 0;
        while (find(sc, RE_SLASH, sc->len, &from, &ms, &me) > 0) {
                double beds, baths;

                group(sc, 1, &gs, &ge);
                beds = count_at(sc, gs, ge);
                group(sc, 2, &gs, &ge);
                baths = count_at(sc, gs, ge);
                if (baths > beds + 1)
                        continue;
                if (x->bedrooms_min < 0)
                        x->bedrooms_min = (int)beds;
                if (x->bathrooms_min < 0)
                        x->bathrooms_min = baths;
                return;
        }
}

/* The living area: the first figure in square feet that a home can have
 * (200 to 30,000; a lot's or a garage's size is not the home's). */
static void scan_sqft(struct scan *sc, recall_extraction_t *x)
{
        size_t from = 0, ms, me, gs = 0, ge = 0;
        recall_amount_t a;

        while (x->sqft < 0 && find(sc, RE_SQFT, sc->len, &from, &ms, &me) > 0) {
                if (group(sc, 1, &gs, &ge) && recall_amount_parse(sc->s, ge, gs, &a) &&
                    a.value >= 200 && a.value <= 30000)
                        x->sqft = (int)(a.value + 0.5);
        }
}

/* The number of a duration: "2", "two", "a", "a couple of", "a few". */
static double duration_count(const struct scan *sc, size_t gs, size_t ge)
{
        const char *s = sc->s + gs;
        size_t n = ge - gs;

        if ((n == 1 && *s == 'a') || (n == 2 && !strncmp(s, "an", 2)))
                return 1;
        if (memmem(s, n, "couple", 6))
                return 2;
        if (memmem(s, n, "few", 3))
                return 4;
        if (memmem(s, n, "several", 7))
                return 6;
        return count_at(sc, gs, ge);
}

static const char *bucket(double days)
{
        if (days <= 31)
                return "immediate";
        if (days <= 92)
                return "within_3_months";
        if (days <= 183)
                return "within_6_months";
        if (days <= 366)
                return "within_12_months";
        return "over_12_months";
}

static const char *scan_timeline(struct scan *sc)
{
        static const char *const fixed[] = {
                NULL, "immediate", "within_3_months", "within_6_months", "within_12_months",
                "over_12_months",
        };
        size_t from = 0, ms, me, gs = 0, ge = 0;
        const char *last = NULL;
        int g, browsing = 0;

        while ((g = find(sc, RE_TIME, sc->len, &from, &ms, &me)) > 0) {
                double n, unit;

                if (g <= 5) {
                        last = fixed[g];
                        continue;
                }
                if (g == 6) {
                        browsing = 1;
                        continue;
                }
                if (test_before(sc, RE_TIME_PRE, clause_start(sc, ms, 30, 0), ms) >= 0 ||
                    test_at(sc, RE_TIME_POST, me) >= 0)
                        continue;
                /* the matcher's groups are read before the tests above overwrite them */
                from = ms;
                find(sc, RE_TIME, sc->len, &from, &ms, &me);
                group(sc, 9, &gs, &ge);
                unit = sc->s[gs] == 'd' ? 1 : sc->s[gs] == 'w' ? 7 : sc->s[gs] == 'm' ? 30 : 365;
                if (group(sc, 8, &gs, &ge) || group(sc, 10, &gs, &ge)) {
                        n = duration_count(sc, gs, ge);
                } else {
                        group(sc, 7, &gs, &ge);
                        n = duration_count(sc, gs, ge);
                }
                if (n > 0)
                        last = bucket(n * unit);
        }
        return last ? last : browsing ? "browsing" : NULL;
}

static void scan_features(struct scan *sc, recall_extraction_t *x)
{
        size_t from = 0, ms, me;
        int g;

        while ((g = find(sc, RE_FEAT, sc->len, &from, &ms, &me)) > 0) {
                unsigned bit = 1u << (g - 1);

                if (bit != RECALL_MUST_NO_HOA && negated(sc, ms, me)) {
                        x->must_haves &= ~bit;
                        x->must_haves_dropped |= bit;
                } else {
                        x->must_haves |= bit;
                        x->must_haves_dropped &= ~bit;
                }
        }
}

/* ---- money ---------------------------------------------------------------- */

enum { CUE_NONE, CUE_SELLER, CUE_SOFT, CUE_APPROVAL, CUE_MIN, CUE_MAX, CUE_BETWEEN };
enum { POST_NONE, POST_IGNORE, POST_MONTHLY, POST_UNIT, POST_OURS, POST_MIN, POST_MAX };

struct money {
        double lo, hi;  /* dollars as written (hi < 0: a single figure in lo) */
        int pre, post;  /* CUE_*, POST_* */
        int lo_bare;    /* lo had no unit or grouping: may mean thousands */
        int hi_bare;
};

#define MAX_MONEY 8

/* What a figure means: for rent, itself (monthly); for a purchase, bare
 * hundreds are thousands ("budget is 450") and thousands are a monthly sum
 * (rent, a payment: *monthly set, and -1 when the intent is known not to be
 * rent); -1 when too small to be money. */
static double dollars(double v, int bare, int rent, int known, int *monthly)
{
        if (rent)
                return v >= 100 ? v : -1;
        if (v >= 10000)
                return v;
        if (v >= 1000) {
                *monthly = 1;
                return known ? -1 : v;
        }
        return bare && v >= 50 ? v * 1000 : -1;
}

static int word_start(const char *s, size_t i)
{
        return i == 0 || !(isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.' ||
                           s[i - 1] == ',' || s[i - 1] == '$' || s[i - 1] == '/' ||
                           s[i - 1] == '#' || s[i - 1] == '-' || s[i - 1] == '\'' ||
                           ((unsigned char)s[i - 1] & 0x80));
}

/* After an amount: " - ", " to ", " and " (after "between"), the position
 * of a second amount, or 0. */
static size_t range_next(const char *s, size_t len, size_t p, int between)
{
        while (p < len && s[p] == ' ')
                p++;
        if (p < len && s[p] == '-')
                p++;
        else if (p + 2 < len && !strncmp(s + p, "to ", 3))
                p += 3;
        else if (p + 7 < len && !strncmp(s + p, "through ", 8))
                p += 8;
        else if (between && p + 3 < len && !strncmp(s + p, "and ", 4))
                p += 4;
        else
                return 0;
        while (p < len && s[p] == ' ')
                p++;
        return p < len ? p : 0;
}

static int is_zip(const struct scan *sc, size_t i, const recall_amount_t *a)
{
        const char *s = sc->s;

        if (a->flags || a->scale != 1 || a->end - i != 5)
                return 0;
        if (a->end < sc->len && (isalnum((unsigned char)s[a->end]) ||
                                 (s[a->end] == '.' && a->end + 1 < sc->len &&
                                  isdigit((unsigned char)s[a->end + 1]))))
                return 0;
        return a->value >= 501 && test_at(sc, RE_STREET, a->end) < 0;
}

/* Reads every amount: ZIP codes become places, figures with money cues
 * become money entries; everything else (counts, times, phone numbers) is
 * passed over. */
static int scan_amounts(struct scan *sc, struct money *m, size_t *n_money)
{
        const char *s = sc->s;
        size_t i = 0, prev_end = 0, p, ws, amount_start;
        recall_amount_t a, b;

        *n_money = 0;
        while (i < sc->len) {
                struct money mo = {.hi = -1};
                int has_b = 0, money;

                if (!word_start(s, i) || !recall_amount_parse(s, sc->len, i, &a) ||
                    (!isdigit((unsigned char)s[i]) && s[i] != '$' && a.value < 1)) {
                        i++;
                        continue;
                }
                /* ZIP+4: the ZIP alone */
                if (is_zip(sc, i, &a) && a.end + 5 <= sc->len && s[a.end] == '-' &&
                    strspn(s + a.end + 1, "0123456789") == 4) {
                        if (add_place(sc->ex, i, a.end, -1))
                                return RECALL_ENOMEM;
                        i = prev_end = a.end + 5;
                        continue;
                }
                ws = clause_start(sc, i, 48, 0);
                if (ws < prev_end)
                        ws = prev_end;
                mo.pre = test_before(sc, RE_PRECUE, ws, i);
                mo.pre = mo.pre < 0 ? CUE_NONE : mo.pre;
                if ((p = range_next(s, sc->len, a.end, mo.pre == CUE_BETWEEN)) &&
                    recall_amount_parse(s, sc->len, p, &b) && b.end > p)
                        has_b = 1;
                mo.post = test_at(sc, RE_POSTCUE, has_b ? b.end : a.end);
                mo.post = mo.post < 0 ? POST_NONE : mo.post;
                if (!has_b && is_zip(sc, i, &a) && mo.pre != CUE_MAX && mo.pre != CUE_MIN &&
                    mo.pre != CUE_APPROVAL && mo.post != POST_MAX && mo.post != POST_MONTHLY) {
                        if (add_place(sc->ex, i, a.end, -1))
                                return RECALL_ENOMEM;
                        i = prev_end = a.end;
                        continue;
                }
                amount_start = i;
                prev_end = i = has_b ? b.end : a.end;
                if (mo.post == POST_UNIT || mo.post == POST_IGNORE ||
                    test_before(sc, RE_IGNORE, ws, amount_start) >= 0)
                        continue;
                money = recall_amount_is_money(&a) || (has_b && recall_amount_is_money(&b)) ||
                        mo.pre != CUE_NONE || mo.post == POST_MAX || mo.post == POST_MONTHLY ||
                        mo.post == POST_OURS;
                if (!money)
                        continue;
                if (has_b) {
                        /* "500 to 575k", "1.5-2M": the first takes the second's unit,
                         * unless that makes it the larger ("900-1.1M") */
                        if (a.scale == 1 && !(a.flags & RECALL_AMOUNT_GROUPED) && b.scale > 1) {
                                a.value = a.value * b.scale <= b.value ? a.value * b.scale
                                                                       : a.value * 1e3;
                                a.scale = b.scale;
                        }
                        mo.hi = b.value;
                        mo.hi_bare = b.scale == 1 && !(b.flags & RECALL_AMOUNT_GROUPED);
                }
                mo.lo = a.value;
                mo.lo_bare = a.scale == 1 && !(a.flags & RECALL_AMOUNT_GROUPED);
                if (mo.lo_bare && mo.lo < 50)
                        continue;
                if (*n_money < MAX_MONEY)
                        m[(*n_money)++] = mo;
        }
        return 0;
}

/* Settles budget and seller's price from the money found, by intent. */
/* Whole dollars, or -1 for none; an amount no lead states (a quadrillion
 * and up, or the overflow of a runaway number) is none rather than garbage. */
static int64_t usd(double amount)
{
        return amount >= 0 && amount < 1e15 ? llround(amount) : -1;
}

static void assign_money(recall_extraction_t *x, const struct money *m, size_t n)
{
        int seller = x->intent && !strcmp(x->intent, "sell");
        int both = x->intent && !strcmp(x->intent, "buy_and_sell");
        int rent = x->intent && !strcmp(x->intent, "rent");
        double max = -1, min = -1, approval = -1, price = -1, v, lo;
        int monthly = 0, strong_price = 0;

        for (size_t i = 0; i < n; i++) {
                int is_price, small, r = rent || m[i].post == POST_MONTHLY;

                if (m[i].post == POST_MONTHLY && !rent && x->intent)
                        continue; /* a buyer's current rent or payment */
                /* "hoping for 800k" alone is a seller's wish more often than a
                 * buyer's budget, but says nothing of intent by itself */
                is_price = seller || m[i].post == POST_OURS || m[i].pre == CUE_SELLER ||
                           ((both || !x->intent) && m[i].pre == CUE_SOFT);
                small = 0;
                lo = dollars(m[i].lo, m[i].lo_bare, r, x->intent != NULL, &small);
                v = m[i].hi >= 0 ? dollars(m[i].hi, m[i].hi_bare, r, x->intent != NULL, &small)
                                 : -1;
                r |= small;
                if (lo < 0 && v < 0)
                        continue;
                if (is_price) {
                        price = v > 0 ? v : lo;
                        strong_price |= m[i].post == POST_OURS || m[i].pre == CUE_SELLER;
                        continue;
                }
                monthly |= r && !rent;
                if (v > 0) {
                        if (lo > 0 && lo < v && min < 0)
                                min = lo;
                        if (v > max)
                                max = v;
                } else if (m[i].pre == CUE_MIN || m[i].post == POST_MIN) {
                        if (min < 0)
                                min = lo;
                } else if (m[i].pre == CUE_APPROVAL) {
                        if (lo > approval)
                                approval = lo;
                } else if (lo > max) {
                        max = lo;
                }
        }
        if (max < 0)
                max = approval;
        if (min >= 0 && max >= 0 && min >= max)
                min = -1;
        x->budget_min = usd(min);
        x->budget_max = usd(max);
        x->price_expectation = usd(price);
        if (!x->intent) {
                if (x->budget_min >= 0 || x->budget_max >= 0)
                        x->intent = monthly ? "rent" : "buy";
                else if (strong_price)
                        x->intent = "sell";
        }
}

/* ---- the whole message ------------------------------------------------------ */

static int fill_locations(struct scan *sc, const recall_gazetteer_t *gaz, recall_extraction_t *x)
{
        struct place *p = sc->ex->places;
        size_t n = sc->ex->n_places;
        char **list, **dropped;

        if (!n) /* qsort(NULL, 0, ...) is undefined */
                return 0;
        qsort(p, n, sizeof(*p), place_cmp);
        drop_places(sc);
        if (!(list = calloc(n, sizeof(*list))) || !(dropped = calloc(n, sizeof(*dropped)))) {
                free(list);
                return RECALL_ENOMEM;
        }
        x->locations = list;
        x->locations_dropped = dropped;
        for (size_t i = 0; i < n; i++) {
                char *name;
                int dup = 0;

                name = p[i].entry >= 0 ? strdup(gaz->names[p[i].entry])
                                       : strndup(sc->s + p[i].start, p[i].end - p[i].start);
                if (!name)
                        return RECALL_ENOMEM;
                for (size_t k = 0; k < x->n_locations && !dup; k++)
                        dup = !strcmp(list[k], name);
                if (dup) {
                        free(name);
                        continue;
                }
                list[x->n_locations++] = name;
                if (p[i].dropped && !(dropped[x->n_locations_dropped++] = strdup(name)))
                        return RECALL_ENOMEM;
        }
        return 0;
}

int recall_extract(recall_extractor_t *ex, const recall_gazetteer_t *gaz, const char *text,
                   size_t len, recall_extraction_t *out)
{
        struct scan sc = {.ex = ex};
        struct intent_cues ic;
        struct money money[MAX_MONEY];
        size_t n_money;
        int r;

        if (!out)
                return RECALL_EINVAL;
        *out = (recall_extraction_t){.budget_min = -1, .budget_max = -1,
                                     .price_expectation = -1, .bedrooms_min = -1,
                                     .bathrooms_min = -1, .home_to_sell = -1,
                                     .sqft = -1};
        if (!ex || (!text && len) || !utf8_valid((const unsigned char *)text, len))
                return RECALL_EINVAL;
        if ((r = normalize(ex, text ? text : "", len, &sc.len)))
                return r;
        sc.s = ex->buf;
        ex->n_places = 0;
        if ((r = find_places(&sc, gaz)))
                return r;

        scan_intent(&sc, &ic);
        out->intent = decide_intent(&ic);
        out->financing = scan_financing(&sc);
        out->property_type = scan_type(&sc);
        scan_rooms(&sc, out);
        scan_sqft(&sc, out);
        out->timeline = scan_timeline(&sc);
        scan_features(&sc, out);
        if ((r = scan_amounts(&sc, money, &n_money)))
                goto fail;
        assign_money(out, money, n_money);

        /* rule 3: financing means a purchase; a seller's "cash" is the offer
         * they hope for, not how they pay */
        if (!out->intent && out->financing)
                out->intent = "buy";
        if (out->intent && !strcmp(out->intent, "sell"))
                out->financing = NULL;
        /* rule 1 */
        if (out->intent && (!strcmp(out->intent, "sell") || !strcmp(out->intent, "buy_and_sell")))
                out->home_to_sell = 1;
        else if (ic.renter)
                out->home_to_sell = 0;
        if ((r = fill_locations(&sc, gaz, out)))
                goto fail;
        return 0;
fail:
        recall_extraction_release(out);
        return r;
}

void recall_extraction_release(recall_extraction_t *out)
{
        if (!out)
                return;
        for (size_t i = 0; i < out->n_locations; i++)
                free(out->locations[i]);
        free(out->locations);
        for (size_t i = 0; i < out->n_locations_dropped; i++)
                free(out->locations_dropped[i]);
        free(out->locations_dropped);
        out->locations = out->locations_dropped = NULL;
        out->n_locations = out->n_locations_dropped = 0;
}

static json_t *int_or_null(int64_t v)
{
        return v >= 0 ? json_integer(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

json_t *recall_extraction_to_json(const recall_extraction_t *x, json_t *id)
{
        json_t *o, *list, *must;
        int bad = 0;

        if (!x || !(o = json_object()))
                return NULL;
        list = json_array();
        must = json_array();
        for (size_t i = 0; list && i < x->n_locations; i++)
                bad |= json_array_append_new(list, json_string(x->locations[i]));
        for (int i = 0; must && i < RECALL_MUST_COUNT; i++)
                if (x->must_haves & (1u << i))
                        bad |= json_array_append_new(must, json_string(must_names[i]));
        bad |= json_object_set_new(o, "id", id ? json_incref(id) : json_null());
        bad |= json_object_set_new(o, "intent", str_or_null(x->intent));
        bad |= json_object_set_new(o, "budget_min", int_or_null(x->budget_min));
        bad |= json_object_set_new(o, "budget_max", int_or_null(x->budget_max));
        bad |= json_object_set_new(o, "price_expectation", int_or_null(x->price_expectation));
        bad |= json_object_set_new(o, "bedrooms_min", int_or_null(x->bedrooms_min));
        bad |= json_object_set_new(o, "bathrooms_min",
                                   x->bathrooms_min < 0 ? json_null()
                                   : x->bathrooms_min == floor(x->bathrooms_min)
                                           ? json_integer((json_int_t)x->bathrooms_min)
                                           : json_real(x->bathrooms_min));
        bad |= json_object_set_new(o, "property_type", str_or_null(x->property_type));
        bad |= json_object_set_new(o, "locations", list);
        bad |= json_object_set_new(o, "timeline", str_or_null(x->timeline));
        bad |= json_object_set_new(o, "financing", str_or_null(x->financing));
        bad |= json_object_set_new(o, "must_haves", must);
        bad |= json_object_set_new(o, "home_to_sell",
                                   x->home_to_sell < 0 ? json_null() : json_boolean(x->home_to_sell));
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}
