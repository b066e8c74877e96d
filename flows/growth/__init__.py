"""🎁 Пригласить друга and 🎟 Промокод: referrals and promo codes (docs/payments.md)."""
