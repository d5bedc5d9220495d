/* objection.c: objections in a lead's message (see recall/objection.h).
 *
 * One PCRE2 pattern per kind, each an alternation of the ways US leads put
 * it, compiled caseless and UTF with JIT, and run over the text as written
 * so that a match's offsets are the lead's own words (no normalized copy to
 * map back from). Apostrophes may be straight, typographic or missing
 * ("don't", "don’t", "dont"). Patterns ask for the words that make a
 * statement an objection rather than a topic: "rates are too high" or
 * "waiting for rates to drop", not "what are rates like"; "talk to my
 * husband first", not "my husband says 750 is fine".
 *
 * Context then decides, as in extract.c: the clause before a match (back to
 * the last sentence break, comma or "but", at most PRE_WINDOW bytes) must
 * not end in a negation, allowing a few filler words in between ("not just
 * looking", "we don't really need to sell first", "can't wait to see it");
 * and the words right after it must not dismiss it ("rates being high
 * doesn't bother us", "the commission isn't an issue"). Patterns that carry
 * their own negation ("not ready", "can't get approved") start with it, so
 * the check before them looks further back, where there is rarely another.
 *
 * The first mention of each kind counts; a later one of the same kind in
 * the same message adds nothing. Nothing is allocated per message. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "pattern_int.h"
#include "recall/error.h"
#include "recall/objection.h"

#define PRE_WINDOW 80

/* an apostrophe, straight or typographic, or none */
#define A "['\\x{2019}]?"
/* the negative contractions, apostrophe or not ("can't", "dont", "won’t") */
#define NEG_CONTRACTION "(?:do|does|did|is|are|was|were|wo|would|ca|could|should|have|has|had|ai)n" A "t"
#define WORD "[\\w'\\x{2019}-]+"
#define PARTNER                                                                     \
        "(?:wife|husband|hubby|hubs|spouse|partner|fianc[eé]e?|boyfriend|girlfriend|" \
        "bf|gf|significant\\h+other|better\\h+half|other\\h+half|family|parents|"       \
        "mom|dad|co-?(?:buyer|signer|owner))"
#define AGENT "(?:real\\h*estate\\h+)?(?:agent|realtor|broker|buyer" A "s?\\h+agent|listing\\h+agent)"
#define BE "(?:is|are|" A "s|" A "re|r|was|were|seem|seems|look|looks|feel|feels|have\\h+gotten|has\\h+gotten|got|went)"
#define VERY "(?:(?:just|way|so|really|kind\\h+of|kinda|pretty|crazy|insanely|ridiculously|super|very|still|all|a\\h+(?:bit|little|tad))\\h+)*"
#define FALL "(?:crash|correct|cool(?:\\h+(?:off|down))?|drop|come\\h+down|go\\h+down|settle(?:\\h+down)?|" \
             "stabilize|dip|tank)"
#define APPROVAL                                                                    \
        "(?:(?:get|be)\\h+(?:(?:pre[- ]?)?approved|(?:pre[- ]?)?qualified|a\\h+(?:loan|mortgage)|"   \
        "financing|financed)|qualify(?:\\h+for\\h+(?:a\\h+)?(?:loan|mortgage))?)\\b"
#define TIMEW                                                                       \
        "(?:(?:a\\h+)?(?:few|couple(?:\\h+of)?|several|\\d+|two|three|four|six|another)\\h+" \
        "(?:more\\h+)?(?:months?|years?|weeks?)|(?:a|another)\\h+(?:year|month|while|bit)|"  \
        "next\\h+(?:year|spring|summer|fall|winter|month)|(?:the\\h+)?(?:spring|summer|fall|" \
        "autumn|winter|new\\h+year|holidays|election|end\\h+of\\h+(?:the\\h+)?year)|"        \
        "(?:a\\h+)?(?:better|the\\h+right)\\h+time|later)"

static const char *const patterns[RECALL_OBJECTION_COUNT] = {
        [RECALL_OBJECTION_RATES_TOO_HIGH] =
                "\\b(?:interest\\h+|mortgage\\h+)?rates?\\h+" BE "\\h+" VERY
                "(?:too\\h+)?(?:high|insane|crazy|ridiculous|brutal|terrible|awful|outrageous|"
                "killing\\h+(?:us|me)|through\\h+the\\h+roof|out\\h+of\\h+control)\\b"
                "|\\b(?:these|high|crazy|insane)\\h+(?:interest\\h+|mortgage\\h+)rates?\\b"
                "|\\b(?:high|crazy|insane)\\h+rates\\b"
                "|\\bwith\\h+(?:these|current|today" A "s|the\\h+current)\\h+(?:interest\\h+|mortgage\\h+)?"
                "rates\\b"
                "|\\b(?:wait|waiting|hold(?:ing)?\\h+off)\\h+(?:" WORD "\\h+){0,2}?(?:for|until|till|til|on)"
                "\\h+(?:the\\h+)?(?:interest\\h+|mortgage\\h+)?rates?\\h+(?:to\\h+)?(?:drop|come\\h+down|"
                "go\\h+down|fall|improve|get\\h+better|settle)"
                "|\\b(?:once|when|if|until|till|after)\\h+(?:the\\h+)?(?:interest\\h+|mortgage\\h+)?"
                "rates?\\h+(?:drop|come\\h+down|go\\h+down|fall|improve|get\\h+better)"
                "|\\bcan(?:no|" A ")t\\h+afford\\h+(?:" WORD "\\h+){0,4}?(?:at|with)\\h+(?:these|this|"
                "current|today" A "s|\\d+(?:\\.\\d+)?\\h*%)\\h*(?:interest\\h+|mortgage\\h+)?rates?"
                "|\\blocked\\h+in\\h+(?:at\\h+)?(?:a\\h+)?(?:\\d(?:\\.\\d+)?\\h*%|(?:low|great|good)\\h+rate)"
                "|\\b(?:(?:don" A "t|do\\h+not)\\h+want\\h+to\\h+)?(?:give\\h+up|lose|losing|leave|giving\\h+up)\\h+(?:our|my)\\h+(?:\\d(?:\\.\\d+)?\\h*%\\h+)?"
                "(?:low\\h+)?(?:interest\\h+)?rate\\b",
        [RECALL_OBJECTION_WANT_TO_WAIT] =
                "\\b(?:wait|waiting|hold\\h+off|holding\\h+off|sit\\h+tight|sitting\\h+tight|"
                "hold(?:ing)?\\h+out|put(?:ting)?\\h+(?:it|this|things|everything)\\h+on\\h+hold|"
                "push(?:ing)?\\h+(?:it|this|things)\\h+(?:back|off))\\h+"
                "(?:(?:a\\h+bit|it\\h+out|on\\h+(?:it|this|buying|selling))\\h+)?"
                "(?:(?:for|until|till|til|through|thru|into|after)\\h+){0,2}(?:the\\h+|this\\h+)?"
                "(?:" TIMEW "|(?:(?:housing\\h+)?market|prices?)(?:\\h+to\\h+" FALL ")?|"
                "things\\h+(?:to\\h+)?(?:settle|calm|cool|improve|get\\h+better|change)|"
                "and\\h+see|to\\h+see\\h+(?:what|how|if|where))\\b"
                "|\\bhold(?:ing)?\\h+off\\b"
                "|\\bwait\\h+and\\h+see\\b"
                "|\\b(?:market|prices|home\\h+prices|home\\h+values)\\h+to\\h+" FALL "\\b"
                "|\\b(?:the\\h+)?(?:market|prices|home\\h+prices)\\h+(?:is|are|" A "s|" A "re)\\h+(?:going\\h+to|gonna|"
                "about\\h+to|due\\h+(?:for\\h+a|to))\\h+(?:" FALL "|crash|correction|drop|dip)\\b"
                "|\\b(?:housing\\h+)?(?:bubble|crash)\\b(?!\\h+(?:wrap|course))"
                "|\\b(?:bad|terrible|wrong)\\h+time\\h+to\\h+(?:buy|sell|move)\\b"
                "|\\bnot\\h+(?:a\\h+)?(?:good|great|the\\h+right|the\\h+best)\\h+time\\h+(?:to\\h+(?:buy|sell|move)|"
                "for\\h+(?:us|me))\\b"
                "|\\btim(?:e|ing)\\h+the\\h+market\\b"
                "|\\bmarket\\h+" BE "\\h+" VERY "(?:too\\h+)?(?:crazy|insane|nuts|bad|terrible|overheated|"
                "uncertain|unpredictable|scary|volatile)\\b"
                "|\\bsee\\h+what\\h+the\\h+market\\h+does\\b",
        [RECALL_OBJECTION_HAS_AGENT] =
                "\\b(?:i|we|i" A "ve|we" A "ve|i" A "m|we" A "re|im|were|already|currently|still)\\h+"
                "(?:(?:already|currently|still|actually|kind\\h+of|sort\\h+of)\\h+)?"
                "(?:have|got|working\\h+with|work\\h+with|using|signed\\h+with|under\\h+contract\\h+with|"
                "committed\\h+to|talking\\h+(?:to|with)|going\\h+with|listed\\h+with|represented\\h+by)\\h+"
                "(?:an?|our|my|another|a\\h+different|one)\\h+(?:own\\h+|great\\h+|good\\h+)?" AGENT "s?\\b"
                "|\\b(?:friend|cousin|brother|sister|(?:brother|sister|mother|father|son|daughter)-in-law|"
                "mom|dad|mother|father|uncle|aunt|son|daughter|wife|husband|neighbou?r|family\\h+member)\\h+"
                "(?:is|who\\h+is|who" A "s|" A "s)\\h+(?:an?\\h+)?(?:real\\h*estate\\h+)?(?:agent|realtor|broker)\\b"
                "|\\b(?:i" A "m|im|i\\h+am|we" A "re|we\\h+are)\\h+(?:already\\h+)?(?:represented|"
                "an?\\h+(?:licensed\\h+)?(?:agent|realtor|broker))\\b"
                "|\\bmy\\h+(?:agent|realtor)\\h+(?:is|will|already|says|said|sent|showed|found)\\b",
        [RECALL_OBJECTION_JUST_LOOKING] =
                "\\bjust\\h+(?:looking|browsing|curious|window[- ]?shopping|checking\\h+(?:things\\h+|it\\h+|"
                "stuff\\h+)?out|starting\\h+to\\h+look|getting\\h+(?:an?\\h+)?(?:idea|feel|sense)|"
                "researching|poking\\h+around|keeping\\h+an\\h+eye\\h+out|seeing\\h+what" A "s\\h+out\\h+there)"
                "(?:\\h+(?:for\\h+now|right\\h+now|at\\h+this\\h+point))?\\b(?!\\h+(?:for|to|at|into|in)\\b)"
                "|\\b(?:only|mostly)\\h+(?:looking|browsing)\\b(?!\\h+(?:for|to|at|in)\\b)"
                "|\\bbrowsing\\h+(?:for\\h+now|at\\h+this\\h+point|right\\h+now)\\b"
                "|\\bwindow[- ]?shopping\\b"
                "|\\bnot\\h+(?:actively|seriously|really)\\h+(?:looking|searching|shopping|in\\h+the\\h+market)\\b"
                "|\\b(?:kicking\\h+(?:the\\h+)?tires|testing\\h+the\\h+waters|dipping\\h+(?:my|our)\\h+toes?)\\b"
                "|\\bwant(?:ed)?\\h+to\\h+see\\h+what" A "s\\h+out\\h+there\\b",
        [RECALL_OBJECTION_PRICE_TOO_HIGH] =
                "\\b(?:price|prices|pricing|asking(?:\\h+price)?|list(?:ing)?\\h+price|price\\h+tag|"
                "home\\h+prices|home\\h+values|values)\\h+" BE "\\h+" VERY "(?:too\\h+)?(?:high|expensive|"
                "steep|outrageous|insane|crazy|ridiculous|inflated|nuts|out\\h+of\\h+reach)\\b"
                "|\\b(?:it|that|this|they|those|these|homes|houses|condos|everything|this\\h+one|that\\h+one|"
                "the\\h+(?:house|home|place|condo|townhome|one))\\h*" BE "\\h+" VERY
                "(?:(?:too|way\\h+too)\\h+(?:expensive|pricey|steep|high|much)|"
                "(?:so|really|crazy|insanely|ridiculously)\\h+(?:expensive|pricey|steep))\\b"
                "|\\boverpriced\\b"
                "|\\b(?:over|above|beyond|out\\h+of|outside(?:\\h+of)?)\\h+(?:our|my)\\h+(?:price\\h+range|range|"
                "budget|league)\\b"
                "|\\bcan(?:no|" A ")t\\h+afford\\h+(?:it|that|this|them|those|these|anything|a\\h+house|"
                "a\\h+home|to\\h+buy|homes|houses|the\\h+prices|prices)\\b"
                "(?!\\h+(?:[\\w'-]+\\h+){0,3}?(?:at|with)\\h+(?:these|this|current|today|\\d))"
                "|\\bmore\\h+than\\h+(?:we|i)\\h+(?:can|could|want\\h+to)\\h+(?:afford|pay|spend)\\b",
        [RECALL_OBJECTION_CONSULT_PARTNER] =
                "\\b(?:talk|speak|discuss|check|chat|confer|consult|decide|run\\h+(?:it|this|that|things|"
                "everything)|go\\h+over\\h+(?:it|this|that|things)|think\\h+(?:it|this)\\h+over|"
                "look\\h+at\\h+(?:it|this)|sit\\h+down)\\h+(?:(?:it|this|that|things|everything|about\\h+(?:it|"
                "this|that))\\h+)?(?:with|to|by|past)\\h+(?:my|the|our)\\h+" PARTNER "\\b"
                "|\\b(?:my|our)\\h+" PARTNER "\\h+(?:has|needs|would\\h+(?:need|want|have)|"
                "will\\h+(?:need|want|have)|has\\h+got|gets)\\h+(?:to\\h+)?(?:see|sign\\h+off|agree|approve|"
                "weigh\\h+in|be\\h+on\\h+board|look|check|decide|think|say|make\\h+the\\h+(?:final\\h+)?call|"
                "have\\h+a\\h+say|be\\h+there|come)\\b"
                "|\\b(?:my|our)\\h+" PARTNER "\\h+(?:(?:is\\h+(?:still\\h+)?not|isn" A "t|" A "s\\h+not)\\h+(?:so\\h+|really\\h+|totally\\h+)?"
                "(?:sure|convinced|on\\h+board|ready|sold|a\\h+fan)|(?:is|" A "s)\\h+(?:still\\h+)?(?:unsure|hesitant|"
                "skeptical|against\\h+it|nervous|on\\h+the\\h+fence))\\b"
                "|\\b(?:ask|asking)\\h+(?:my|the|our)\\h+" PARTNER "\\b"
                "|\\b(?:need|have|want|got)\\h+to\\h+(?:talk|discuss|decide|think)\\h+(?:it\\h+over\\h+|"
                "about\\h+it\\h+)?(?:as\\h+a\\h+family|together)\\b",
        [RECALL_OBJECTION_NEED_TO_SELL_FIRST] =
                "\\b(?:need|needs|have|has|got|gotta|must|want|planning|plan|going|hoping)\\h+to\\h+sell\\h+"
                "(?:" WORD "\\h+){0,4}?(?:first\\b|before\\h+(?:we|i|buying|purchasing|moving)\\b)"
                "|\\bsell(?:ing)?\\h+(?:our|my|the)\\h+(?:" WORD "\\h+){0,3}?first\\b"
                "|\\b(?:can(?:no|" A ")t|couldn" A "t|won" A "t|unable\\h+to)\\h+(?:really\\h+)?(?:buy|purchase|"
                "move|afford\\h+(?:to\\h+)?buy|do\\h+anything)\\h+(?:" WORD "\\h+){0,3}?(?:until|till|til|"
                "unless|before|without)\\h+(?:we|i)\\h+(?:sell|close|get\\h+(?:our|my)\\h+(?:house|home|"
                "place|condo)\\h+sold)"
                "|\\b(?:until|till|unless)\\h+(?:we|i)\\h+sell\\h+(?:our|my|the)\\b"
                "|\\bdepends\\h+on\\h+(?:selling|(?:us|me)\\h+selling|the\\h+sale\\h+of)\\b"
                "|\\b(?:contingent|contingency)\\h+(?:on|upon)\\h+(?:the\\h+)?(?:sale|selling)\\b"
                "|\\bonce\\h+(?:we|i)\\h+sell\\b",
        [RECALL_OBJECTION_FINANCING_DOUBTS] =
                "\\b(?:bad|poor|low|terrible|horrible|awful|rough|damaged|shot|messed\\h+up|bruised|"
                "less\\h+than\\h+perfect|subprime|not\\h+(?:great|good|the\\h+best))\\h+credit\\b"
                "(?!\\h+(?:is\\h+(?:fine|ok|not\\h+an?\\h+issue)))"
                "|\\bcredit(?:\\h+score)?\\h+(?:is|" A "s|has\\h+been|was)\\h+(?:(?!not\\b)\\w+\\h+){0,2}?"
                "(?:bad|poor|low|terrible|rough|shot|messed\\h+up|a\\h+mess|an\\h+issue|a\\h+problem|"
                "in\\h+the\\h+[45]\\d{2}s|under\\h+\\d{3}|below\\h+\\d{3})\\b"
                "|\\bcredit(?:\\h+score)?\\h+(?:isn" A "t|is\\h+not|" A "s\\h+not)\\h+(?:great|good|the\\h+best|"
                "there\\h+yet)\\b"
                "|\\b(?:had|filed|went\\h+through|going\\h+through)\\h+(?:a\\h+)?(?:bankruptcy|foreclosure|"
                "short\\h+sale|repo)\\b"
                "|\\bfiled\\h+(?:for\\h+)?(?:chapter\\h+\\d+|bankruptcy)\\b"
                "|\\b(?:not\\h+sure|unsure|worried|afraid)\\h+(?:if\\h+|whether\\h+|that\\h+)?(?:my|our)\\h+credit"
                "(?:\\h+score)?\\h+(?:is|will\\h+be|would\\h+be|" A "s)\\h+(?:good|high|strong)\\h+enough\\b"
                "|\\b(?:can(?:no|" A ")t|couldn" A "t|won" A "t|never|probably\\h+won" A "t)\\h+(?:ever\\h+)?" APPROVAL
                "|\\b(?:don" A "t|do\\h+not)\\h+think\\h+(?:i|we)(?:" A "d|" A "ll|\\h+can|\\h+could|\\h+would|\\h+will)?"
                "\\h+(?:ever\\h+)?" APPROVAL
                "|\\b(?:worried|afraid|scared|nervous)\\h+(?:that\\h+)?(?:i|we)\\h+(?:won" A "t|can" A "t|wouldn" A "t|"
                "might\\h+not)\\h+(?:ever\\h+)?" APPROVAL
                "|\\b(?:i|we|i" A "ve|we" A "ve)\\h+(?:got|been|was|were|keep\\h+getting|have\\h+been)\\h+"
                "(?:denied|turned\\h+down|rejected|declined)\\b(?!\\h+(?:on|for)\\h+(?:the|our|my|that|this)\\h+"
                "(?:offer|house|home|place|condo|one))"
                "|\\b(?:denied|turned\\h+down|rejected|declined)\\h+(?:for|by)\\h+(?:a\\h+|the\\h+|my\\h+|"
                "our\\h+|every\\h+)?(?:loan|mortgage|pre[- ]?approval|financing|lender|bank)"
                "|\\bnot\\h+sure\\h+(?:i|we)\\h+(?:can|could|would|will)\\h+(?:even\\h+)?(?:get\\h+)?"
                "(?:qualify|(?:pre[- ]?)?approved|a\\h+(?:loan|mortgage)|financing)"
                "|\\b(?:don" A "t|do\\h+not|doesn" A "t)\\h+(?:have|make)\\h+enough\\h+(?:for\\h+(?:a|the)\\h+"
                "down\\h*payment|saved|income|money|to\\h+qualify)\\b"
                "|\\b(?:(?:have|got)\\h+no|not\\h+enough(?:\\h+saved)?(?:\\h+for)?|"
                "can(?:no|" A ")t\\h+afford\\h+(?:the|a))\\h+(?:money\\h+for\\h+)?(?:a\\h+|the\\h+)?down\\h*payment\\b"
                "|\\b(?:debt[- ]to[- ]income|dti)\\h+(?:is\\h+)?(?:too\\h+)?high\\b",
        [RECALL_OBJECTION_COMMISSION_FEES] =
                "\\b(?<!hoa\\h)(?<!closing\\h)(?<!association\\h)(?:commission|commissions|fees?|"
                "your\\h+cut)\\h+" BE "\\h+(?:like\\h+)?" VERY "(?:too\\h+)?"
                "(?:high|much|steep|expensive|a\\h+lot|crazy|ridiculous|outrageous)\\b"
                "|\\b(?:don" A "t|do\\h+not|doesn" A "t|won" A "t|not)\\h+(?:want|going|willing|wanting)\\h+"
                "to\\h+pay\\h+(?:a\\h+|the\\h+|any\\h+|an\\h+|your\\h+)?(?:\\d+\\h*%\\h+)?(?:commission|"
                "realtor|agent|broker|fees?|buyer" A "s?\\h+agent)"
                "|\\b(?:lower|reduce|cut|discount|negotiate)\\h+(?:your|the)\\h+(?:commission|fee)s?\\b"
                "|\\b(?:discount\\h+broker(?:age)?|flat[- ]fee(?:\\h+(?:mls|listing|broker))?|"
                "(?:lower|cheaper|reduced)\\h+(?:commission|fee)s?)\\b"
                "|\\bwhy\\h+(?:would|should)\\h+(?:i|we)\\h+pay\\h+(?:you|an?\\h+(?:agent|realtor)|"
                "a\\h+commission|(?:\\d+\\h*%|thousands))"
                "|\\b[1-6](?:\\.\\d)?\\h*%\\h+(?:commission\\h+)?(?:is|seems|sounds)\\h+(?:like\\h+)?" VERY
                "(?:too\\h+)?(?:high|much|steep|a\\h+lot)\\b",
        [RECALL_OBJECTION_NOT_READY] =
                "\\bnot\\h+(?:quite\\h+|really\\h+|totally\\h+|fully\\h+|100%\\h+|just\\h+)?ready"
                "(?:\\h+(?:yet|to\\h+(?:commit|buy|sell|move|sign)))?\\b"
                "|\\b(?:don" A "t|do\\h+not)\\h+want\\h+to\\h+(?:commit|sign\\h+(?:anything|a\\h+contract|"
                "an?\\h+agreement)|be\\h+(?:pressured|rushed|locked\\h+in)|rush\\h+(?:into\\h+(?:it|anything)|it))\\b"
                "|\\bnot\\h+(?:looking\\h+to\\h+|ready\\h+to\\h+)?(?:sign(?:ing)?\\h+(?:anything|a\\h+contract|"
                "an?\\h+(?:buyer" A "s?\\h+)?agreement)|commit(?:ting)?\\h+(?:to\\h+anything|yet|just\\h+yet))\\b"
                "|\\bstill\\h+(?:on\\h+the\\h+fence|undecided|deciding|thinking\\h+(?:about\\h+it|it\\h+over)|"
                "figuring\\h+(?:it|things)\\h+out)\\b"
                "|\\bon\\h+the\\h+fence\\b"
                "|\\b(?:need|want|have|gotta)\\h+(?:some\\h+)?(?:more\\h+)?time\\h+to\\h+(?:think|decide|"
                "figure|process|consider)\\b"
                "|\\b(?:i|we)" A "(?:ll|\\h+will|\\h+need\\h+to|\\h+have\\h+to|\\h+want\\h+to)\\h+"
                "(?:think\\h+about\\h+it|think\\h+it\\h+over|sleep\\h+on\\h+it|mull\\h+it\\h+over)\\b"
                "|\\b(?:not\\h+sure|unsure)\\h+(?:if|whether)\\h+(?:we|i)\\h+(?:really\\h+)?(?:want|are\\h+ready|"
                "am\\h+ready|should|will|even\\h+want)\\h+to\\h+(?:buy|sell|move|do\\h+this)\\b",
        [RECALL_OBJECTION_DO_IT_THEMSELVES] =
                "\\b(?:fsbo|for\\h+sale\\h+by\\h+owner)\\b"
                "|\\b(?:sell|selling|list|listing)\\h+(?:it|the\\h+(?:house|home|place|condo)|(?:our|my)\\h+"
                "(?:house|home|place|condo|property))?\\h*(?:on\\h+(?:our|my)\\h+own|ourselves|myself|"
                "by\\h+owner|without\\h+(?:an?\\h+)?(?:agent|realtor|broker)|privately)\\b"
                "|\\b(?:do|handle)\\h+(?:it|the\\h+sale|everything|this)\\h+(?:ourselves|myself|"
                "on\\h+(?:our|my)\\h+own)\\b"
                "|\\b(?:don" A "t|do\\h+not)\\h+(?:really\\h+)?(?:need|want|think\\h+(?:i|we)\\h+need)\\h+"
                "(?:an?\\h+)?(?:agent|realtor|broker)\\b",
        [RECALL_OBJECTION_LEASE_NOT_UP] =
                "\\b(?:our|my|the)\\h+lease\\h+(?:isn" A "t|is\\h+not|" A "s\\h+not)\\h+(?:up|over|done|ending)\\b"
                "|\\b(?:our|my|the)\\h+lease\\h+(?:doesn" A "t|does\\h+not)\\h+(?:end|expire|run\\h+out|finish)\\b"
                "|\\b(?:until|till|til|after)\\h+(?:our|my|the)\\h+lease\\h+(?:is\\h+up|ends|expires|"
                "runs\\h+out|is\\h+over|is\\h+done)\\b"
                "|\\b(?:stuck|locked)\\h+in(?:to)?\\h+(?:a|our|my|the)\\h+(?:\\w+\\h+){0,2}?lease\\b"
                "|\\bcan(?:no|" A ")t\\h+break\\h+(?:our|my|the)\\h+lease\\b"
                "|\\b(?:just\\h+)?(?:signed|renewed|extended)\\h+(?:a|our|my|the|another)\\h+(?:new\\h+)?"
                "(?:\\w+[- ](?:month|year)\\h+)?lease\\b",
        [RECALL_OBJECTION_LOW_EQUITY] =
                "\\b(?:owe|owes|owing)\\h+(?:more|almost\\h+as\\h+much|as\\h+much|about\\h+as\\h+much)\\h+"
                "(?:than|as)\\h+(?:(?:what\\h+)?(?:it" A "s|it\\h+is|the\\h+(?:house|home|place|condo)\\h+is)\\h+worth|"
                "we\\h+could\\h+get|the\\h+(?:house|home|place|condo)|what\\h+it|it)\\b"
                "|\\bunderwater\\b"
                "|\\bupside[- ]down\\h+(?:on|in)\\h+(?:our|my|the)\\h+(?:mortgage|loan|house|home)\\b"
                "|\\b(?:not|barely|hardly)\\h+(?:enough|any|much)\\h+equity\\b"
                "|\\bno\\h+equity\\b"
                "|\\b(?:don" A "t|do\\h+not)\\h+have\\h+(?:much|any|enough)\\h+equity\\b",
        [RECALL_OBJECTION_INSTANT_OFFER] =
                "\\b(?:opendoor|open\\h+door\\h+offer|offerpad|we\\h+buy\\h+houses|i-?buyers?|redfin\\h+now|"
                "zillow\\h+offers?)\\b"
                "|\\bcash\\h+(?:home\\h+)?(?:buyers?\\h+)?(?:company|companies)\\b"
                "|\\b(?:got|have|received|getting|had)\\h+(?:an?\\h+)?(?:cash\\h+)?offers?\\h+from\\h+"
                "(?:an?\\h+)?(?:investors?|a\\h+company|some\\h+company|(?:a\\h+)?flipper|(?:a\\h+)?wholesaler)\\b"
                "|\\bsell\\h+(?:it\\h+)?(?:to\\h+)?(?:an?\\h+)?(?:investor|flipper|wholesaler)\\h+for\\h+cash\\b",
        [RECALL_OBJECTION_DISTRUSTS_AGENTS] =
                "\\b(?:bad|terrible|horrible|awful|negative|rough|poor)\\h+(?:experience|luck|time)s?\\h+with\\h+"
                "(?:(?:an?|our|my|the|previous|last|other|past)\\h+)*(?:real\\h*estate\\h+)?"
                "(?:agent|realtor|broker)s?\\b"
                "|\\b(?:don" A "t|do\\h+not|never)\\h+trust\\h+(?:agents|realtors|brokers|real\\h*estate\\h+agents|"
                "salespeople)\\b"
                "|\\b(?:last|previous|old|former)\\h+(?:agent|realtor|broker)\\h+(?:was\\h+(?:terrible|awful|"
                "useless|pushy|horrible|a\\h+nightmare)|ghosted|dropped|screwed|lied|sucked|burned)\\b"
                "|\\b(?:agents|realtors)\\h+(?:are|just)\\h+(?:all\\h+)?(?:the\\h+same|pushy|useless|"
                "a\\h+waste|liars|greedy|in\\h+it\\h+for\\h+the\\h+money)\\b"
                "|\\bburned\\h+by\\h+(?:an?\\h+|our\\h+|my\\h+)?(?:agent|realtor|broker)\\b",
        [RECALL_OBJECTION_OWNERSHIP_COSTS] =
                "\\b(?:insurance|property\\h+tax(?:es)?|taxes|hoa(?:\\h+(?:fees?|dues))?|closing\\h+costs|"
                "upkeep|utilities)\\h+" BE "\\h+" VERY "(?:too\\h+)?(?:high|expensive|insane|crazy|ridiculous|"
                "outrageous|steep|through\\h+the\\h+roof|out\\h+of\\h+control|unaffordable)\\b"
                "|\\b(?:high|crazy|insane|rising|skyrocketing|outrageous)\\h+(?:home(?:owners)?\\h+)?"
                "(?:insurance|property\\h+tax(?:es)?|taxes|hoa\\h+(?:fees?|dues)|closing\\h+costs)\\b"
                "|\\bcan(?:no|" A ")t\\h+(?:get|find|afford)\\h+(?:home(?:owners)?\\h+|flood\\h+)?insurance\\b",
};

/* Anchored at the end of the window before a match: a negation, then at
 * most three filler words. */
static const char neg_before[] =
        "(?:\\b(?:not|never|no|hardly|without|cannot)|\\b" NEG_CONTRACTION ")\\h+"
        "(?:(?:just|really|even|actually|currently|necessarily|need|needs|want|wants|to|have|has|"
        "got|going|gonna|planning|trying|care|worried|about|that|so|too|quite|all|exactly|be|"
        "being|the|think|feel|like|we|i|it|its|it" A "s|any|an?|ever)\\h+){0,3}$";

/* Anchored right after a match: the lead dismisses it. */
static const char neg_after[] =
        "\\h*,?\\h*(?:(?:but\\h+)?(?:that|it|which|this)" A "s?\\h+)?"
        "(?:(?:(?:does|do|is|are|was|were)n" A "t|(?:does|do|is|are)\\h+not|won" A "t|no\\h+longer)\\h+"
        "(?:really\\h+)?(?:bother|matter|scare|worry|concern|stop|deter|affect|an?\\h+(?:issue|problem|"
        "concern|dealbreaker|factor)|a\\h+big\\h+deal|important|relevant)"
        "|(?:is|are)\\h+(?:fine|ok|okay|no\\h+problem))";

static const char *const codes[RECALL_OBJECTION_COUNT] = {
        "rates_too_high", "want_to_wait", "has_agent", "just_looking", "price_too_high",
        "consult_partner", "need_to_sell_first", "financing_doubts", "commission_fees",
        "not_ready", "do_it_themselves", "lease_not_up", "low_equity", "instant_offer",
        "distrusts_agents", "ownership_costs",
};

static const char *const labels[RECALL_OBJECTION_COUNT] = {
        "rates too high", "wants to wait", "already has an agent", "just looking",
        "price too high", "needs to talk to a spouse or partner", "needs to sell first",
        "credit or approval doubts", "commission and fees", "not ready to commit",
        "wants to do it without an agent", "lease not up yet", "little or no equity",
        "considering an instant cash offer", "distrusts agents", "insurance, taxes or HOA costs",
};

/* What the agent can say; short enough to read during a call. */
static const char *const points[RECALL_OBJECTION_COUNT][4] = {
        [RECALL_OBJECTION_RATES_TOO_HIGH] = {
                "Show the monthly payment at today's rate next to waiting: a lower rate later often "
                "comes with higher prices and more competition.",
                "Mention options: a seller-paid rate buydown, a 2-1 buydown, or an ARM, and a refinance "
                "if rates fall (marry the house, date the rate).",
                "Offer a call with a trusted lender for real numbers on their budget.",
        },
        [RECALL_OBJECTION_WANT_TO_WAIT] = {
                "Ask what they are waiting for (rates, prices, a life event) and what would make now "
                "the right time.",
                "Share local data: inventory, days on market and price trends in their area, not "
                "national headlines.",
                "Agree on a check-in date and set up listing alerts so they see the market meanwhile.",
        },
        [RECALL_OBJECTION_HAS_AGENT] = {
                "Respect the relationship: ask whether they have signed a buyer or listing agreement.",
                "If they are committed, offer to stay a resource (market updates) without stepping on "
                "the other agent.",
                "If nothing is signed, ask what they like about working with that agent and what is "
                "missing.",
        },
        [RECALL_OBJECTION_JUST_LOOKING] = {
                "Keep it low pressure: offer listing alerts that match what they browse.",
                "Ask what caught their eye and what would turn browsing into a move.",
                "Suggest a quick call about how buying or selling works, so they are ready when it is "
                "time.",
        },
        [RECALL_OBJECTION_PRICE_TOO_HIGH] = {
                "Pull recent comparable sales so they see what homes really sell for, not list prices.",
                "Widen the search: nearby areas, a smaller or older home, or homes with price drops "
                "and long days on market.",
                "Talk through negotiation room: seller credits, inspection repairs, closing cost help.",
        },
        [RECALL_OBJECTION_CONSULT_PARTNER] = {
                "Offer a time when both decision makers can join a call or a showing.",
                "Send a short summary they can share: homes, prices, monthly payment, next steps.",
                "Ask what questions the partner is likely to have, and answer them up front.",
        },
        [RECALL_OBJECTION_NEED_TO_SELL_FIRST] = {
                "Offer a free valuation of their current home to know the equity they will have.",
                "Explain the options: a sale-contingent offer, a bridge loan or HELOC, or a rent-back "
                "after selling.",
                "Plan both sides together so the sale and the purchase line up.",
        },
        [RECALL_OBJECTION_FINANCING_DOUBTS] = {
                "Connect them with a lender who works with their situation (FHA from 580 credit, VA, "
                "USDA, non-QM).",
                "Mention down payment assistance programs and first-time buyer grants in their state.",
                "If not ready yet, offer a credit plan and a check-in date instead of a no.",
        },
        [RECALL_OBJECTION_COMMISSION_FEES] = {
                "Explain what the fee covers: pricing, marketing, negotiation, and getting to closing.",
                "Show net proceeds or savings with an agent versus without, with local numbers.",
                "Be clear that commissions are negotiable and put the agreed terms in writing.",
        },
        [RECALL_OBJECTION_NOT_READY] = {
                "Take the pressure off: ask what they need to feel ready.",
                "Offer the next small step only (a consultation, a pre-approval, listing alerts).",
                "Agree on when to check back in.",
        },
        [RECALL_OBJECTION_DO_IT_THEMSELVES] = {
                "Respect the choice; share what for-sale-by-owner sellers usually face (pricing, "
                "showings, buyer agents, disclosures, contracts).",
                "Show typical net proceeds with an agent versus without in their area.",
                "Offer help with one part (pricing or paperwork) or a check-in after a few weeks.",
        },
        [RECALL_OBJECTION_LEASE_NOT_UP] = {
                "Ask when the lease ends and plan the search backwards from that date.",
                "Start with a pre-approval and saved searches now; closings take 30 to 45 days.",
                "Mention that some landlords allow an early termination or a sublet.",
        },
        [RECALL_OBJECTION_LOW_EQUITY] = {
                "Offer a free valuation: their home may be worth more than they think.",
                "Talk through options: waiting to build equity, renting it out, or a short sale if "
                "they must move.",
                "Refer them to a lender or attorney for the numbers of their loan.",
        },
        [RECALL_OBJECTION_INSTANT_OFFER] = {
                "Compare the cash offer's net (service fees, repair deductions) with an open-market "
                "sale.",
                "Offer a free market analysis so they can decide with both numbers.",
                "Acknowledge the convenience: show how a listing can still offer a quick, flexible close.",
        },
        [RECALL_OBJECTION_DISTRUSTS_AGENTS] = {
                "Acknowledge the bad experience and ask what went wrong.",
                "Offer clear communication: how often they will hear from you and what you will do.",
                "Share reviews or references from recent clients.",
        },
        [RECALL_OBJECTION_OWNERSHIP_COSTS] = {
                "Put the full monthly cost on paper: principal, interest, taxes, insurance and HOA.",
                "Look at homes with lower taxes, no HOA or newer roofs that insure for less.",
                "Refer them to an insurance broker for quotes before they make an offer.",
        },
};

struct recall_objection_detector {
        pcre2_code *re[RECALL_OBJECTION_COUNT];
        pcre2_code *before, *after;
        pcre2_match_data *md;
};

const char *recall_objection_code(recall_objection_kind_t kind)
{
        return (int)kind >= 0 && kind < RECALL_OBJECTION_COUNT ? codes[kind] : NULL;
}

int recall_objection_from_code(const char *code)
{
        for (int i = 0; code && i < RECALL_OBJECTION_COUNT; i++)
                if (!strcmp(codes[i], code))
                        return i;
        return -1;
}

const char *recall_objection_label(recall_objection_kind_t kind)
{
        return (int)kind >= 0 && kind < RECALL_OBJECTION_COUNT ? labels[kind] : NULL;
}

const char *const *recall_objection_talking_points(recall_objection_kind_t kind, size_t *n)
{
        size_t k = 0;

        if ((int)kind < 0 || kind >= RECALL_OBJECTION_COUNT)
                return NULL;
        while (points[kind][k])
                k++;
        if (n)
                *n = k;
        return points[kind];
}

recall_objection_detector_t *recall_objection_detector_new(char *errstr, size_t errstr_size)
{
        recall_objection_detector_t *od = calloc(1, sizeof(*od));

        if (!od) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        for (int i = 0; i < RECALL_OBJECTION_COUNT; i++)
                if (!(od->re[i] = recall_pattern_compile(patterns[i], 0, "objection", errstr,
                                                         errstr_size)))
                        goto fail;
        if (!(od->before = recall_pattern_compile(neg_before, PCRE2_DOLLAR_ENDONLY, "objection",
                                                  errstr, errstr_size)) ||
            !(od->after = recall_pattern_compile(neg_after, PCRE2_ANCHORED, "objection", errstr,
                                                 errstr_size)))
                goto fail;
        if (!(od->md = pcre2_match_data_create(4, NULL))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                goto fail;
        }
        return od;
fail:
        recall_objection_detector_destroy(od);
        return NULL;
}

void recall_objection_detector_destroy(recall_objection_detector_t *od)
{
        if (!od)
                return;
        for (int i = 0; i < RECALL_OBJECTION_COUNT; i++)
                pcre2_code_free(od->re[i]);
        pcre2_code_free(od->before);
        pcre2_code_free(od->after);
        pcre2_match_data_free(od->md);
        free(od);
}

/* Start of the clause holding pos, at most PRE_WINDOW bytes back: after the
 * last sentence break, comma, or the word "but". */
static size_t clause_start(const char *s, size_t pos)
{
        size_t i = pos, stop = pos > PRE_WINDOW ? pos - PRE_WINDOW : 0;

        while (i > stop) {
                char c = s[i - 1];

                if (c == '.' || c == '!' || c == '?' || c == ';' || c == ',' || c == '\n' ||
                    c == '(' || c == ')')
                        break;
                if (i - stop >= 4 && (s[i - 1] == ' ') && !strncasecmp(s + i - 4, "but", 3) &&
                    (i - 4 == 0 || s[i - 5] == ' '))
                        break;
                i--;
        }
        /* never start inside a UTF-8 sequence */
        while (i < pos && ((unsigned char)s[i] & 0xc0) == 0x80)
                i++;
        return i;
}

/* Taken back by what precedes it in its clause or what follows it. */
static int dismissed(recall_objection_detector_t *od, const char *s, size_t len, size_t start,
                     size_t end)
{
        size_t from = clause_start(s, start);

        if (pcre2_match(od->before, (PCRE2_SPTR)s, start, from, PCRE2_NO_UTF_CHECK, od->md,
                        NULL) >= 0)
                return 1;
        return pcre2_match(od->after, (PCRE2_SPTR)s, len, end, PCRE2_NO_UTF_CHECK, od->md,
                           NULL) >= 0;
}

static int by_start(const void *a, const void *b)
{
        const recall_objection_match_t *x = a, *y = b;

        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return (int)x->kind - (int)y->kind;
}

int recall_objection_detect(recall_objection_detector_t *od, const char *text, size_t len,
                            recall_objection_match_t *out, size_t max, size_t *n)
{
        recall_objection_match_t found[RECALL_OBJECTION_COUNT];
        size_t k = 0, from, start, end;
        PCRE2_SIZE *ov;
        int rc, first = 1;

        *n = 0;
        if (!text)
                return 0;
        for (int i = 0; i < RECALL_OBJECTION_COUNT; i++) {
                from = 0;
                for (;;) {
                        /* the first match checks the text once for all */
                        rc = pcre2_match(od->re[i], (PCRE2_SPTR)text, len, from,
                                         first ? 0 : PCRE2_NO_UTF_CHECK, od->md, NULL);
                        first = 0;
                        if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
                                return RECALL_EINVAL;
                        if (rc < 0)
                                break;
                        ov = pcre2_get_ovector_pointer(od->md);
                        start = ov[0];
                        end = ov[1];
                        if (!dismissed(od, text, len, start, end)) {
                                found[k++] = (recall_objection_match_t){
                                        .kind = (recall_objection_kind_t)i, .start = start,
                                        .end = end};
                                break;
                        }
                        from = end > start ? end : end + 1;
                        while (from < len && ((unsigned char)text[from] & 0xc0) == 0x80)
                                from++;
                        if (from > len)
                                break;
                }
        }
        qsort(found, k, sizeof(found[0]), by_start);
        for (size_t i = 0; i < k && i < max; i++)
                out[(*n)++] = found[i];
        return 0;
}
