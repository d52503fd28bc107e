import Link from "next/link";

import { NavLinks } from "@/components/nav-links";
import { ThemeToggle } from "@/components/theme-toggle";
import { UserMenu } from "@/components/user-menu";

export function SiteHeader() {
  return (
    <header className="border-b bg-background/95 sticky top-0 z-20 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-7xl items-center gap-3 px-3 sm:px-6">
        <Link href="/" className="font-semibold tracking-tight shrink-0">
          tfreview
        </Link>
        <NavLinks />
        <div className="ml-auto flex items-center gap-2">
          <UserMenu />
          <ThemeToggle />
        </div>
      </div>
    </header>
  );
}
