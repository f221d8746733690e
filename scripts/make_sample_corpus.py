"""Write storyline/data/sample.jsonl: the demo's data and the tests' fixture.

Every outlet, person, place and event here is fictional and written for Storyline. Six
stories over three weeks (3-23 March 2025) from eight outlets. The wire agency (Northgate
Wire) files reports that other outlets run as copies: verbatim, with their own opening line,
or trimmed of the last paragraph, which is what the near-duplicate stage must link.

    python scripts/make_sample_corpus.py        # rewrites storyline/data/sample.jsonl
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "storyline" / "data" / "sample.jsonl"

OUTLETS = {
    "nw": ("Northgate Wire", "northgatewire.example"),
    "hl": ("The Harbor Ledger", "harborledger.example"),
    "vc": ("Valley Courier", "valleycourier.example"),
    "mp": ("Meridian Post", "meridianpost.example"),
    "et": ("Eastbrook Times", "eastbrooktimes.example"),
    "co": ("The Civic Observer", "civicobserver.example"),
    "ld": ("Lakeside Daily", "lakesidedaily.example"),
    "sr": ("Summit Radio News", "summitradio.example"),
}

# (key, outlet, date, title, paragraphs, copies) — copies: list of (outlet, date, how)
# where how is "verbatim", "lead:<new first sentence>" or "trim" (drop the last paragraph).
ARTICLES: list[tuple[str, str, str, str, list[str], list[tuple[str, str, str]]]] = [
    # -- Story 1: the Veldora talks (built like the seed page) ---------------------------
    (
        "talks-1",
        "nw",
        "2025-03-04",
        "Veldora government and rebels to meet in Kestrel for talks",
        [
            "The government of Veldora and the Southern Front rebels will hold a first round of"
            " indirect talks in Kestrel, the capital of Orland, on Thursday, mediators said on"
            " Tuesday.",
            '"Both delegations have accepted our invitation, and we expect them to arrive on'
            ' Wednesday", Orlandi Deputy Foreign Minister Amira Castell told reporters.',
            "The conflict has displaced more than two million people in almost four years.",
            "United Nations envoy Jonas Ekberg said the talks were a chance that should not be"
            " wasted.",
        ],
        [
            ("hl", "2025-03-04", "verbatim"),
            (
                "vc",
                "2025-03-04",
                "lead:Peace talks on the Veldora conflict are set to open this week.",
            ),
            ("ld", "2025-03-05", "trim"),
        ],
    ),
    (
        "talks-2",
        "nw",
        "2025-03-06",
        "Kestrel talks postponed by one day",
        [
            "Orland says it has postponed talks between the Veldoran government and the"
            " Southern Front by one day, to Friday.",
            '"Some members of the opposition delegation were delayed at the border", said'
            " Orlandi foreign ministry spokesman Pavel Dunmore. He said the talks would now open"
            " on Friday morning.",
            "The Southern Front attended a similar meeting in Kestrel last month that ended"
            " without agreement.",
        ],
        [
            ("mp", "2025-03-06", "verbatim"),
            ("sr", "2025-03-06", "verbatim"),
            ("co", "2025-03-07", "lead:Mediators in Orland have pushed back the Veldora talks."),
        ],
    ),
    (
        "talks-3",
        "mp",
        "2025-03-08",
        "Veldora talks open as both sides trade accusations",
        [
            "Indirect talks between the government of Veldora and the Southern Front opened in"
            " Kestrel on Friday, a day later than planned.",
            '"The Republic of Veldora is committed to ending the fighting and believes these'
            ' talks can open the road to a lasting ceasefire", Veldoran Foreign Minister Lucas'
            " Varga said at the opening session.",
            '"Meetings have already begun, including with the armed opposition", he said.',
            "The government's envoy to the talks accused Castavia, one of the sponsors, of"
            " arming the rebels and urged it to close its border.",
            "Southern Front commander Nadia Orsel denied that her fighters received weapons from"
            " abroad.",
        ],
        [],
    ),
    (
        "talks-4",
        "nw",
        "2025-03-11",
        "Kestrel talks end with pledge to meet again in Geneva",
        [
            "The second day of talks in Kestrel ended on Monday with a pledge to meet again in"
            " Geneva on March 24, according to the mediators.",
            "Jonas Ekberg, the United Nations envoy, said both sides had agreed to a prisoner"
            ' exchange. "It is a small step, but it is the first one they have taken together",'
            " Ekberg said.",
            "Southern Front spokesman Tomas Rilke said the rebels would not disarm before a"
            " political settlement.",
        ],
        [
            ("hl", "2025-03-11", "verbatim"),
            ("et", "2025-03-11", "verbatim"),
            ("vc", "2025-03-12", "trim"),
            ("ld", "2025-03-12", "verbatim"),
        ],
    ),
    (
        "talks-5",
        "co",
        "2025-03-18",
        "Prisoner exchange tests fragile Veldora deal",
        [
            "Veldora and the Southern Front exchanged 40 prisoners on Monday near the town of"
            " Sarn, the first test of the deal reached in Kestrel last week.",
            '"Everyone came home who was supposed to come home", said Red Cross coordinator'
            " Ines Kowal.",
            "Foreign Minister Lucas Varga said the government would send a delegation to the"
            " Geneva talks next week. The exchange shows that the process can work, he added.",
        ],
        [("mp", "2025-03-18", "lead:A prisoner exchange went ahead in Veldora on Monday.")],
    ),
    # -- Story 2: fever outbreak in Marlow -----------------------------------------------
    (
        "fever-1",
        "nw",
        "2025-03-03",
        "Fever outbreak reported in river town of Marlow",
        [
            "Health officials in Greywater province reported 37 cases of an unexplained fever in"
            " the river town of Marlow on Sunday.",
            '"We are treating this as a serious outbreak until we know more", said the'
            " province's chief medical officer, Dr. Helena Okafor.",
            "Most of the patients fell ill in the past week, she said, and eight are in hospital.",
            "The Regional Health Agency said it was sending a team of investigators.",
        ],
        [
            ("vc", "2025-03-03", "verbatim"),
            ("et", "2025-03-03", "verbatim"),
            ("sr", "2025-03-04", "lead:A fever outbreak has hit the town of Marlow."),
        ],
    ),
    (
        "fever-2",
        "vc",
        "2025-03-07",
        "Marlow fever cases double as water supply is tested",
        [
            "The number of fever cases in Marlow has doubled to 81 since Sunday, health officials"
            " said on Friday.",
            "Helena Okafor said investigators were testing the town's water supply. \"Every"
            ' patient we have seen drank tap water from the eastern district", Okafor said.',
            "Residents have been told to boil water until further notice.",
        ],
        [],
    ),
    (
        "fever-3",
        "nw",
        "2025-03-12",
        "Contaminated well blamed for Marlow fever outbreak",
        [
            "Investigators have traced the fever outbreak in Marlow to a contaminated well that"
            " feeds the eastern district, the Regional Health Agency said on Wednesday.",
            "Agency director Samuel Brandt said the well had been closed and that new cases were"
            ' falling. "The worst is behind us", Brandt said.',
            "Dr. Helena Okafor warned that patients who fell ill last week still needed care.",
        ],
        [
            ("hl", "2025-03-12", "verbatim"),
            ("et", "2025-03-12", "trim"),
            ("co", "2025-03-13", "verbatim"),
        ],
    ),
    (
        "fever-4",
        "et",
        "2025-03-20",
        "Marlow lifts boil-water notice",
        [
            "Marlow lifted its boil-water notice on Thursday, two weeks after the first fever"
            " cases were reported.",
            "Mayor Ruth Calder said the town would pay for a new pipeline to the eastern district."
            ' "No family here should have to fear the water again", Calder said.',
            "No new cases have been reported since March 14, according to the health agency.",
        ],
        [("vc", "2025-03-20", "lead:Residents of Marlow can drink tap water again.")],
    ),
    # -- Story 3: Brightwater mayoral election -------------------------------------------
    (
        "vote-1",
        "hl",
        "2025-03-05",
        "Brightwater mayoral race tightens before debate",
        [
            "Incumbent mayor Daniel Moreau and challenger Priya Natarajan are level in the race"
            " for Brightwater city hall, a poll published on Wednesday showed.",
            '"This election is about the rents people pay and the buses they wait for",'
            " Natarajan told supporters on Tuesday.",
            "Moreau said the city's finances were in better shape than at any time in the past"
            " decade.",
            "The two candidates meet for a televised debate next week.",
        ],
        [("ld", "2025-03-05", "verbatim")],
    ),
    (
        "vote-2",
        "nw",
        "2025-03-12",
        "Housing dominates Brightwater mayoral debate",
        [
            "Housing costs dominated the only televised debate of the Brightwater mayoral race on"
            " Tuesday night.",
            '"We will build five thousand homes in four years, and we will start in the first'
            ' hundred days", Priya Natarajan said.',
            "Mayor Daniel Moreau accused his rival of promising what the city could not pay for."
            " He said his own plan would cut waiting lists by half.",
            "Voters go to the polls on March 16.",
        ],
        [
            ("hl", "2025-03-12", "verbatim"),
            ("mp", "2025-03-12", "verbatim"),
            ("sr", "2025-03-12", "lead:Brightwater's mayoral candidates clashed over housing."),
        ],
    ),
    (
        "vote-3",
        "nw",
        "2025-03-17",
        "Natarajan wins Brightwater mayoral election",
        [
            "Priya Natarajan won the Brightwater mayoral election on Sunday, ending Daniel"
            " Moreau's eight years in city hall.",
            "Natarajan took 52 percent of the vote, the city's election office said on Monday.",
            '"Tonight the city chose to build", Natarajan told supporters. Moreau conceded'
            " defeat and said he would help with the handover.",
        ],
        [
            ("hl", "2025-03-17", "verbatim"),
            ("ld", "2025-03-17", "verbatim"),
            ("et", "2025-03-17", "trim"),
            ("co", "2025-03-18", "verbatim"),
        ],
    ),
    (
        "vote-4",
        "ld",
        "2025-03-21",
        "Brightwater's new mayor names housing chief",
        [
            "Brightwater mayor-elect Priya Natarajan on Friday named Owen Hartley, a former"
            " planning director, to lead the city's housing programme.",
            "Hartley said the first building permits would be issued before the summer.",
            "Natarajan takes office on April 1.",
        ],
        [],
    ),
    # -- Story 4: Port Halvard dock strike -----------------------------------------------
    (
        "strike-1",
        "nw",
        "2025-03-06",
        "Dockworkers strike at Port Halvard over pay",
        [
            "Dockworkers at Port Halvard walked out on Thursday after talks over pay broke down,"
            " leaving dozens of ships waiting at anchor.",
            '"Our members have gone three years without a raise", said Greta Lindqvist, leader'
            " of the Harbour Workers Union.",
            "The Port Halvard Authority said the strike was costing the regional economy millions"
            " each day.",
        ],
        [
            ("hl", "2025-03-06", "verbatim"),
            ("mp", "2025-03-06", "verbatim"),
            ("sr", "2025-03-07", "trim"),
        ],
    ),
    (
        "strike-2",
        "hl",
        "2025-03-10",
        "Port Halvard strike enters fifth day",
        [
            "The strike at Port Halvard entered its fifth day on Monday, with more than forty"
            " ships now waiting to unload.",
            "Port authority chairman Victor Lang said the union's demands would make the port"
            " uncompetitive. He urged workers to return while talks continued.",
            "Greta Lindqvist said the union would not return without a written offer.",
        ],
        [],
    ),
    (
        "strike-3",
        "nw",
        "2025-03-14",
        "Port Halvard strike ends with pay deal",
        [
            "Dockworkers at Port Halvard voted on Friday to end their eight-day strike after the"
            " port authority offered a raise of six percent over two years.",
            '"This is what solidarity gets you", said union leader Greta Lindqvist.',
            "Victor Lang said ships would be unloaded around the clock to clear the backlog by"
            " next week.",
        ],
        [
            ("hl", "2025-03-14", "verbatim"),
            ("mp", "2025-03-14", "verbatim"),
            ("vc", "2025-03-15", "lead:The strike at Port Halvard is over."),
            ("sr", "2025-03-14", "verbatim"),
        ],
    ),
    # -- Story 5: Eastbrook bridge closure -------------------------------------------------
    (
        "bridge-1",
        "et",
        "2025-03-09",
        "Eastbrook's Mill Street bridge closed after cracks found",
        [
            "The Mill Street bridge in Eastbrook was closed to all traffic on Sunday after"
            " inspectors found cracks in two of its supports.",
            '"We will not reopen it until engineers can tell us it is safe", said city'
            " engineer Marta Quinn.",
            "About 20,000 vehicles cross the bridge each day.",
        ],
        [("nw", "2025-03-09", "verbatim")],
    ),
    (
        "bridge-2",
        "nw",
        "2025-03-13",
        "Transport minister orders inquiry into Eastbrook bridge",
        [
            "Transport Minister Oliver Grant on Thursday ordered an independent inquiry into the"
            " state of the Mill Street bridge in Eastbrook.",
            'Grant said the inquiry would report within three months. "People deserve to know'
            ' how a bridge this busy was allowed to decay", he said.',
            "Local business owners said the closure had cut their takings by a third since last"
            " weekend.",
        ],
        [
            ("et", "2025-03-13", "verbatim"),
            ("co", "2025-03-13", "verbatim"),
            ("ld", "2025-03-14", "trim"),
        ],
    ),
    (
        "bridge-3",
        "et",
        "2025-03-22",
        "Temporary crossing to open beside Mill Street bridge",
        [
            "A temporary steel crossing beside the closed Mill Street bridge will open to cars"
            " next month, Eastbrook city council said on Saturday.",
            "Marta Quinn said the old bridge would probably have to be replaced rather than"
            " repaired.",
        ],
        [],
    ),
    # -- Story 6: Solvent Motors bus recall ------------------------------------------------
    (
        "recall-1",
        "nw",
        "2025-03-10",
        "Solvent Motors recalls 1,200 electric buses over battery fires",
        [
            "Solvent Motors is recalling 1,200 electric buses after three battery fires in the"
            " past month, the company said on Monday.",
            '"The safety of passengers comes before everything else", chief executive Rafael'
            " Ortiz said in a statement.",
            "The National Transport Safety Board said it had opened an investigation.",
        ],
        [
            ("mp", "2025-03-10", "verbatim"),
            ("vc", "2025-03-10", "verbatim"),
            ("sr", "2025-03-10", "lead:A maker of electric buses has ordered a recall."),
        ],
    ),
    (
        "recall-2",
        "mp",
        "2025-03-15",
        "Cities scramble for buses after Solvent recall",
        [
            "Transit operators in at least six cities were running reduced timetables on"
            " Saturday after the recall of Solvent Motors buses.",
            "Brightwater transit director Leah Fontaine said the city had borrowed diesel buses"
            ' from its neighbours. "It is not ideal, but the buses are running", Fontaine said.',
            "Rafael Ortiz said repaired buses would start returning to service within two weeks.",
        ],
        [],
    ),
    (
        "recall-3",
        "nw",
        "2025-03-19",
        "Faulty cooling valve behind Solvent bus fires, regulator says",
        [
            "A faulty cooling valve caused the battery fires that led Solvent Motors to recall"
            " its electric buses, the National Transport Safety Board said on Wednesday.",
            "Board investigator Hugo Mercer said the valve came from a single supplier and that"
            " other manufacturers did not use it.",
            "Solvent Motors said it had already replaced the valve in 400 buses.",
        ],
        [("mp", "2025-03-19", "verbatim"), ("et", "2025-03-19", "verbatim")],
    ),
]

#: One article in French, to show that other languages are stored with their language and
#: left out of the English analysis.
FOREIGN = {
    "id": "sr-strike-fr",
    "title": "Grève au port de Halvard",
    "published": "2025-03-08",
    "source": "Summit Radio News",
    "url": "https://summitradio.example/fr/2025/03/08/greve-port-halvard",
    "text": "Les dockers du port de Halvard sont en grève depuis jeudi. Le syndicat réclame une"
    " hausse des salaires après trois années sans augmentation. Des dizaines de navires"
    " attendent au large et les entreprises de la région s'inquiètent des pertes.",
}


def _copy(paragraphs: list[str], how: str) -> list[str]:
    if how == "verbatim":
        return list(paragraphs)
    if how == "trim":
        return list(paragraphs[:-1])
    if how.startswith("lead:"):
        return [how.removeprefix("lead:"), *paragraphs]
    raise ValueError(how)


def records() -> list[dict[str, object]]:
    out = []
    for key, outlet, day, title, paragraphs, copies in ARTICLES:
        versions = [(outlet, day, "original"), *copies]
        for outlet_key, published, how in versions:
            name, host = OUTLETS[outlet_key]
            body = paragraphs if how == "original" else _copy(paragraphs, how)
            out.append(
                {
                    "_copy": how != "original",
                    "id": f"{outlet_key}-{key}",
                    "title": title,
                    "published": published,
                    "source": name,
                    "url": f"https://{host}/{published.replace('-', '/')}/{key}",
                    "text": "\n\n".join(body),
                }
            )
    out.append(dict(FOREIGN, _copy=False))
    # Arrival order: by date, the wire's original before the copies that ran it that day.
    out.sort(key=lambda record: (record["published"], record["_copy"], record["id"]))
    for record in out:
        del record["_copy"]
    return out


def main() -> None:
    rows = records()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} articles to {OUT}")


if __name__ == "__main__":
    main()
