"""Plausible names for the demo's people, per country and language community (stdlib only).

Serbian names are in Latin script; North Macedonia's schools have Macedonian, Albanian,
Turkish, Bosniak and Serbian names; the cross-border community has Nigerian, Lebanese and
Kenyan names; the Pathways to Teaching aspiring teachers come from refugee and immigrant
backgrounds, their coaches and the programme staff are U.S.-based. Every e-mail address
is at example.org.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Pool:
    """First names by gender, and surnames (a pair when the surname takes the gender)."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...] = ()
    #: (male form, female form) for languages whose surnames agree with the gender.
    gendered: tuple[tuple[str, str], ...] = ()

    def pick(self, rng: random.Random) -> tuple[str, str]:
        """(first name, surname) drawn from the pool."""
        female = rng.random() < 0.7  # most teachers in these schools are women
        first = rng.choice(self.female if female else self.male)
        if self.gendered and (not self.surnames or rng.random() < 0.75):
            male_form, female_form = rng.choice(self.gendered)
            return first, female_form if female else male_form
        return first, rng.choice(self.surnames)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SERBIAN = Pool(
    female=_split("Jelena Milica Marija Ana Jovana Ivana Snežana Dragana Tamara Maja Svetlana "
                  "Biljana Vesna Gordana Nataša Sanja Tijana Marina Dušica Ljiljana Olivera "
                  "Mirjana Jasmina Katarina Nevena Aleksandra Branka Danijela Zorica Slađana"),
    male=_split("Marko Nikola Miloš Stefan Dragan Zoran Nenad Dejan Vladimir Aleksandar Milan "
                "Goran Ivan Bojan Predrag Saša Đorđe Uroš Vuk Nemanja Dušan Branislav Srđan "
                "Miroslav"),
    surnames=_split("Petrović Jovanović Nikolić Marković Đorđević Stojanović Ilić Stanković "
                    "Pavlović Milošević Popović Todorović Lazić Kostić Ristić Simić Živković "
                    "Radovanović Mitrović Obradović Savić Vasić Tomić Janković Kovačević "
                    "Stefanović Milenković Filipović Lukić Perić Đukić Gavrilović Marinković "
                    "Spasić Radosavljević"),
)

MACEDONIAN = Pool(
    female=_split("Marija Elena Biljana Vesna Snežana Katerina Aleksandra Daniela Emilija "
                  "Liljana Gordana Suzana Violeta Tanja Ivana Jasmina Marina Natalija"),
    male=_split("Aleksandar Goran Zoran Dragan Nikola Igor Vladimir Dimitar Bojan Darko Ljupčo "
                "Toni Stefan Kire Blagoj Zlatko"),
    gendered=tuple((m, m[:-1] + "a") if m.endswith("i") else (m, m + "a") for m in _split(
        "Stojanovski Trajkovski Petrovski Nikolovski Ristovski Dimitrovski Angelovski "
        "Jovanovski Georgievski Kostovski Velkovski Ilievski Todorovski Spasovski Petrov "
        "Atanasov Stojanov Ivanov Mitrev Popov")),
)

ALBANIAN = Pool(
    female=_split("Blerina Lirije Mimoza Valbona Shpresa Arta Drita Fatmire Teuta Vjollca Elira "
                  "Merita Flutura Besa Ardita Lumnije Afërdita Hana"),
    male=_split("Arben Fatmir Besnik Agron Driton Bujar Ilir Artan Valon Blerim Florim Gëzim "
                "Naim Lulzim Bekim Xhevdet"),
    surnames=_split("Ademi Rexhepi Sulejmani Jashari Ismaili Memeti Bajrami Asani Useini Iseni "
                    "Aliu Fejzullahu Zeqiri Veliu Xhaferi Selimi Idrizi Ramadani"),
)

TURKISH = Pool(
    female=_split("Ayşe Fatma Emine Sevim Gülşen Nurhan Selda Zeynep Hülya Meral Nesrin Şükran "
                  "Gülten Aysel Serpil Sibel Dilek Feride"),
    male=_split("Mehmet Erdoğan Fikret Metin Orhan Nazmi Şükrü Cengiz Ferdi Kenan Erol Sezai "
                "Recep İlhan Yusuf Murat Hakan Selim"),
    surnames=_split("Kadri Emin Rüstem Sadık Nuri Şaban Fazlı Osman Mahmut Ahmet Hüseyin Bekir "
                    "Arslan Kaya Yıldız Demir Aydın Rasim"),
)

BOSNIAK = Pool(
    female=_split("Emina Amra Alma Selma Lejla Elvira Merima Aida Sabina Jasmina Edina Mirela "
                  "Belma Azra Dženana Senada"),
    male=_split("Edin Senad Mirsad Adnan Jasmin Almir Nermin Haris Kenan Emir Mensur Samir Elvir "
                "Armin Tarik Amar Damir"),
    surnames=_split("Hodžić Mehmedović Alić Hasanović Begović Delić Salihović Mujić Softić "
                    "Omerović Kurtović Ibrahimović Husić Karić Zukić Selimović Bešić Čaušević"),
)

NIGERIAN = Pool(
    female=_split("Ngozi Aisha Funmilayo Chiamaka Hauwa Yetunde Adaeze Folake Zainab Blessing "
                  "Amina Oluwakemi Ifeoma Halima Titilayo"),
    male=_split("Chinedu Oluwaseun Ibrahim Emeka Tunde Musa Obinna Babatunde Abdullahi "
                "Ikechukwu Segun Usman Kelechi Yakubu"),
    surnames=_split("Okafor Adeyemi Bello Eze Ogunleye Nwosu Abubakar Balogun Bakare Okonkwo "
                    "Ibrahim Adebayo Uche Danjuma Garba Olatunji Chukwu Lawal Yusuf"),
)

LEBANESE = Pool(
    female=_split("Rania Maya Layla Rima Joelle Nour Hiba Zeina Lara Carla Nadine Sara Dima "
                  "Rola Mirna"),
    male=_split("Karim Ziad Nadim Hassan Samir Fadi Rami Georges Elie Ali Walid Jad Tarek "
                "Bassel Khalil"),
    surnames=_split("Haddad Khoury Saad Nassar Frangieh Aoun Khalil Mansour Azar Hajj Sleiman "
                    "Fakhoury Chamoun Harb Karam Daher Moussa Haidar Hamdan Rizk"),
)

KENYAN = Pool(
    female=_split("Wanjiru Achieng Njeri Chebet Akinyi Wambui Nyambura Grace Mercy Faith Joyce "
                  "Esther Beatrice Muthoni Nekesa"),
    male=_split("Otieno Kipchoge Mutua Wafula Kiptoo Omondi Kibet Onyango Peter Joseph Samuel "
                "Daniel Brian Kevin Njoroge"),
    surnames=_split("Kamau Odhiambo Ouma Kiprop Mwangi Musyoka Rotich Barasa Atieno Wekesa "
                    "Njoroge Korir Otieno Mutiso Chege Were Kilonzo Cheruiyot Nyaga Owino"),
)

AMERICAN = Pool(
    female=_split("Jennifer Lauren Angela Rachel Tanya Laura Emily Stephanie Kimberly Jessica "
                  "Megan Sarah Hannah Rebecca Michelle Danielle"),
    male=_split("Michael David Kevin Marcus Robert Brian Daniel Christopher Jason Andrew Eric "
                "Anthony"),
    surnames=_split("Walsh Brooks Mitchell Kim Rivera Goldberg O'Brien Washington Chen Johnson "
                    "Carter Nguyen Patel Foster Hayes Morales Sullivan Bennett Reyes Lawson "
                    "Price Coleman"),
)

#: Refugee and immigrant backgrounds of the Pathways to Teaching aspiring teachers.
NEWCOMERS = (
    Pool(female=_split("Mariam Farida Zahra Shabnam Nilofar Parisa"),
         male=_split("Yusuf Ahmad Jawad Farhad"),
         surnames=_split("Ahmadi Noori Haidari Rahimi Karimi Sultani Hakimi")),      # Afghan
    Pool(female=_split("Rasha Lina Hala Reem Nisreen"), male=_split("Omar Khaled Mahmoud Anas"),
         surnames=_split("Al-Masri Darwish Hamwi Kabbani Shami Halabi")),            # Syrian
    Pool(female=_split("Olena Iryna Oksana Tetiana Nataliia"),
         male=_split("Andriy Oleksandr Mykola"),
         # Ukrainian
         surnames=_split("Kovalenko Shevchenko Bondarenko Melnyk Tkachenko Kravchenko")),
    Pool(female=_split("Amani Furaha Esperance Neema"), male=_split("Josué Patrick Bienvenu"),
         surnames=_split("Mukendi Mbuyi Ilunga Kasongo Kabeya Tshibanda")),          # Congolese
    Pool(female=_split("Hodan Ayan Fadumo Sahra"), male=_split("Abdirahman Mohamed Abdullahi"),
         surnames=_split("Abdi Warsame Farah Hassan Omar Jama")),                    # Somali
    Pool(female=_split("Daniela María Gabriela Andreína"), male=_split("Carlos José Luis"),
         surnames=_split("Mendoza Rojas Pérez González Hernández Briceño")),         # Venezuelan
    Pool(female=_split("Thandar Naw Paw Htoo Khin"), male=_split("Saw Ler Aung Kyaw"),
         surnames=_split("Aung Htoo Say Win Moo Paw")),                        # Burmese, Karen
    Pool(female=_split("Semhar Helen Selam"), male=_split("Yonas Dawit Filmon"),
         surnames=_split("Tesfay Gebremedhin Haile Tekle Berhe")),                   # Eritrean
    Pool(female=_split("Noor Zainab Sura"), male=_split("Mustafa Ali Haider"),
         surnames=_split("Al-Jaburi Al-Obaidi Al-Tamimi Kadhim")),                   # Iraqi
    Pool(female=_split("Wislande Nadège Roseline"), male=_split("Jean-Marc Wilner Stevenson"),
         surnames=_split("Jean-Baptiste Pierre Joseph Charles Louis")),              # Haitian
    Pool(female=_split("Sita Bishnu Laxmi"), male=_split("Dil Hari Tek"),
         surnames=_split("Gurung Rai Subedi Tamang Ghimire")),                 # Bhutanese Nepali
)


_ASCII = str.maketrans({"đ": "dj", "Đ": "Dj", "ı": "i", "İ": "I", "ş": "s", "Ş": "S",
                        "ç": "c", "Ç": "C", "ğ": "g", "Ğ": "G", "ë": "e", "Ë": "E",
                        "'": "", " ": "", "ø": "o", "æ": "ae"})


def ascii_slug(text: str) -> str:
    """Lowercase ASCII for e-mail local parts: 'Đorđe Živković' -> 'djordjezivkovic'."""
    text = text.translate(_ASCII)
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if ch.isascii() and (ch.isalnum() or ch in ".-")).lower()
