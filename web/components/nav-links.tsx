"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { cn } from "@/lib/utils";

const LINKS = [
  { href: "/", label: "Overview" },
  { href: "/reviews", label: "Reviews" },
  { href: "/reviews/new", label: "New review" },
];

export function NavLinks() {
  const pathname = usePathname();
  const active = (href: string) =>
    href === "/" ? pathname === "/" : href === "/reviews" ? pathname === "/reviews" || (pathname.startsWith("/reviews/") && pathname !== "/reviews/new") : pathname === href;
  return (
    <nav aria-label="Main" className="flex items-center gap-1 overflow-x-auto text-sm">
      {LINKS.map((link) => (
        <Link
          key={link.href}
          href={link.href}
          aria-current={active(link.href) ? "page" : undefined}
          className={cn(
            "rounded-md px-2 py-1.5 whitespace-nowrap text-muted-foreground hover:text-foreground focus-visible:ring-ring/50 outline-none focus-visible:ring-[3px]",
            active(link.href) && "bg-accent text-foreground font-medium",
          )}
        >
          {link.label}
        </Link>
      ))}
    </nav>
  );
}
