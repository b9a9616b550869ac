package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PostgresUrlTest {
  @Test
  void aUrlWithoutJdbcIsRefusedWithWhatOneLooksLikeAndWithoutItsPassword() {
    assertThatThrownBy(() -> PostgresUrl.check("postgresql://db:5432/app?user=app&password=secret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with jdbc:postgresql://")
        .hasMessageContaining("got 'postgresql://db:5432/app?user=app&password=***'")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> JournalsConfig.of("k:9092", "jdbc:mysql://db/app")).hasMessageContaining("jdbc:postgresql://");
    assertThatThrownBy(() -> ReplicatorConfig.of("k:9092", "db/app")).hasMessageContaining("jdbc:postgresql://");
    assertThat(PostgresUrl.check("jdbc:postgresql://db/app")).isEqualTo("jdbc:postgresql://db/app");
  }

  @Test
  void passwordsAreHiddenWhereverTheUrlHasThem() {
    assertThat(PostgresUrl.withoutPassword("jdbc:postgresql://db/app?user=app&password=s3&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/app?user=app&password=***&ssl=true");
    assertThat(PostgresUrl.withoutPassword("jdbc:postgresql://db/app?PASSWORD=s3")).isEqualTo("jdbc:postgresql://db/app?PASSWORD=***");
    assertThat(PostgresUrl.withoutPassword("postgres://app:s3@db:5432/app")).isEqualTo("postgres://app:***@db:5432/app");
    assertThat(PostgresUrl.withoutPassword("jdbc:postgresql://db:5432/app?user=app")).isEqualTo("jdbc:postgresql://db:5432/app?user=app");
  }

  @Test
  void aPasswordGivenApartIsAddedEncodedAndOnlyOnce() {
    assertThat(PostgresUrl.withPassword("jdbc:postgresql://db/app?user=app", "a&b=c d%"))
        .isEqualTo("jdbc:postgresql://db/app?user=app&password=a%26b%3Dc+d%25");
    assertThat(PostgresUrl.withPassword("jdbc:postgresql://db/app", "s")).isEqualTo("jdbc:postgresql://db/app?password=s");
    assertThatThrownBy(() -> PostgresUrl.withPassword("jdbc:postgresql://db/app?user=app&password=inline", "s"))
        .hasMessage("the PostgreSQL URL jdbc:postgresql://db/app?user=app&password=*** holds a password already; give it in one place");
  }
}
